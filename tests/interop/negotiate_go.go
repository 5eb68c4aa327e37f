// negotiate_go.go: masterzen/winrm's ClientNTLM against winrmd (built in
// GOPATH mode against Debian's golang-github-masterzen-winrm-dev).
//
//	negotiate_go HOST PORT http|https USER PASSWORD
//
// Runs `echo go-ntlm $(id -un)' twice on one client (shell, command,
// receive, signal, delete) and prints what it printed.  Exit 0 on success,
// 3 if the server refused the credentials, 1 otherwise.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/masterzen/winrm"
)

func main() {
	if len(os.Args) != 6 {
		fmt.Fprintln(os.Stderr, "usage: negotiate_go HOST PORT http|https USER PASSWORD")
		os.Exit(2)
	}
	port, _ := strconv.Atoi(os.Args[2])
	https := os.Args[3] == "https"
	ep := winrm.NewEndpoint(os.Args[1], port, https, true, nil, nil, nil, 30*time.Second)
	params := *winrm.DefaultParameters
	params.TransportDecorator = func() winrm.Transporter { return &winrm.ClientNTLM{} }
	client, err := winrm.NewClientWithParameters(ep, os.Args[4], os.Args[5], &params)
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
	for i := 0; i < 2; i++ {
		stdout, stderr, code, err := client.RunWithString("echo go-ntlm $(id -un)", "")
		if err != nil {
			fmt.Fprintln(os.Stderr, "run:", err)
			if strings.Contains(err.Error(), "401") {
				os.Exit(3)
			}
			os.Exit(1)
		}
		fmt.Printf("rc=%d stdout=%s stderr=%s\n", code, strings.TrimSpace(stdout), strings.TrimSpace(stderr))
		if code != 0 {
			os.Exit(1)
		}
	}
}
