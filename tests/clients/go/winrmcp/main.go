// winrmcp/main.go: the client matrix's driver for
// github.com/packer-community/winrmcp, the file copier of Packer's and
// Terraform's WinRM communicators, at the version go.mod pins from the
// module proxy; tests/clients/go_winrmcp.sh runs it.
//
//	winrmcp HOST:PORT http|https USER PASSWORD FROM TO
//
// Copies FROM (a file, or a directory and everything under it) to TO as
// the provisioners do (Copy: base64 chunks appended by "echo ... >>" to a
// temporary file, then a PowerShell script decodes it into place and
// another removes the temporary file).  Exits 1 with "FAIL: ..." on error.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/packer-community/winrmcp/winrmcp"
)

func main() {
	if len(os.Args) != 7 {
		fmt.Fprintln(os.Stderr, "usage: winrmcp HOST:PORT http|https USER PASSWORD FROM TO")
		os.Exit(2)
	}
	cp, err := winrmcp.New(os.Args[1], &winrmcp.Config{
		Auth:     winrmcp.Auth{User: os.Args[3], Password: os.Args[4]},
		Https:    os.Args[2] == "https",
		Insecure: true,
		// Packer's default: a new shell every 15 chunks
		MaxOperationsPerShell: 15,
		OperationTimeout:      60 * time.Second,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: winrmcp.New: %v\n", err)
		os.Exit(1)
	}
	if err := cp.Copy(os.Args[5], os.Args[6]); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: Copy %s %s: %v\n", os.Args[5], os.Args[6], err)
		os.Exit(1)
	}
	fmt.Printf("copied %s to %s\n", os.Args[5], os.Args[6])
}
