// winrm/main.go: the client matrix's driver for github.com/masterzen/winrm
// (the Go library inside Packer and Terraform), at the version go.mod pins
// from the module proxy; tests/clients/go_winrm.sh runs it.
//
//	winrm HOST PORT http|https basic|ntlm|ntlm-sealed USER PASSWORD
//
// On one client: a command and its output, an exit code, stdin through
// RunWithString, and a PowerShell line (RunPSWithString: powershell.exe
// -EncodedCommand with the library's $ProgressPreference prefix).  The
// library's NTLM keeps one connection, on which a Send waits behind the
// command's pending Receive: with NTLM, OperationTimeout is PT5S, so that
// the Receive comes back (w:TimedOut, retried) and lets stdin through
// within seconds, as it would against Windows.  Prints
// "ok OPERATION" per operation that passed; exits 1 with "FAIL: ..." on the
// first that did not.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/masterzen/winrm"
)

func fail(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", a...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 7 {
		fail("usage: winrm HOST PORT http|https basic|ntlm|ntlm-sealed USER PASSWORD")
	}
	host, scheme, auth, user, pass := os.Args[1], os.Args[3], os.Args[4],
		os.Args[5], os.Args[6]
	port, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fail("bad port %q", os.Args[2])
	}
	ep := winrm.NewEndpoint(host, port, scheme == "https", true, nil, nil,
		nil, 60*time.Second)
	params := *winrm.DefaultParameters
	if auth != "basic" {
		params.Timeout = "PT5S"
	}
	switch auth {
	case "basic":
	case "ntlm":
		params.TransportDecorator = func() winrm.Transporter {
			return &winrm.ClientNTLM{}
		}
	case "ntlm-sealed":
		enc, err := winrm.NewEncryption("ntlm")
		if err != nil {
			fail("NewEncryption(ntlm): %v", err)
		}
		params.TransportDecorator = func() winrm.Transporter { return enc }
	default:
		fail("unknown authentication %q", auth)
	}
	client, err := winrm.NewClientWithParameters(ep, user, pass, &params)
	if err != nil {
		fail("NewClientWithParameters: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Second)
	defer cancel()

	out, errOut, rc, err := client.RunWithContextWithString(ctx, "id -un", "")
	if err != nil || rc != 0 || out != user+"\n" {
		fail("id -un: rc %d, stdout %q, stderr %q, %v", rc, out, errOut, err)
	}
	fmt.Println("ok command")

	_, _, rc, err = client.RunWithContextWithString(ctx,
		"echo to-stderr >&2; exit 3", "")
	if err != nil || rc != 3 {
		fail("exit 3: rc %d, %v", rc, err)
	}
	fmt.Println("ok exit code")

	in := "line 1\nline 2 \u00e9\n"
	out, errOut, rc, err = client.RunWithContextWithString(ctx, "cat", in)
	if err != nil || rc != 0 || out != in {
		fail("cat: rc %d, stdout %q, stderr %q, %v", rc, out, errOut, err)
	}
	fmt.Println("ok stdin")

	out, errOut, rc, err = client.RunPSWithContextWithString(ctx,
		"Write-Output 'from PowerShell'", "")
	if err != nil || rc != 0 || strings.TrimRight(out, "\r\n") != "from PowerShell" {
		fail("RunPSWithString: rc %d, stdout %q, stderr %q, %v", rc, out,
			errOut, err)
	}
	fmt.Println("ok powershell")
}
