// shell_go.go: the WinRS shell through Go's masterzen/winrm (Debian's
// golang-github-masterzen-winrm-dev), for shell_go.sh.
//
//	shell_go HOST PORT http|https USER PASSWORD short|long
//
// short: Run("exit 3") -> 3; RunWithString("head -n 2", ...) -> the two
// lines; cat through Execute / Stdin.Write / Stdin.Close (End="true") ->
// the input back.  long: Run("sleep 62; echo done") with the default
// OperationTimeout PT60S and an endpoint timeout of 70 s -> rc 0, "done".
// Prints "ok: ..." lines; exits 1 with "FAIL: ..." on the first failure.
package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/masterzen/winrm"
)

func fail(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", a...)
	os.Exit(1)
}

func ok(format string, a ...interface{}) {
	fmt.Printf("   ok: "+format+"\n", a...)
}

// catThroughExecute drives cat with the low-level API: the Receive
// goroutine (started by Execute) runs while the Sends go out.
func catThroughExecute(client *winrm.Client, input []byte) {
	shell, err := client.CreateShell()
	if err != nil {
		fail("CreateShell: %v", err)
	}
	defer shell.Close()
	cmd, err := shell.Execute("cat")
	if err != nil {
		fail("Execute(cat): %v", err)
	}
	var out, errOut bytes.Buffer
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		io.Copy(&out, cmd.Stdout)
	}()
	go func() {
		defer wg.Done()
		io.Copy(&errOut, cmd.Stderr)
	}()
	t0 := time.Now()
	n, err := cmd.Stdin.Write(input)
	if err != nil || n != len(input) {
		fail("Stdin.Write: %d of %d bytes, %v", n, len(input), err)
	}
	if err := cmd.Stdin.Close(); err != nil {
		fail("Stdin.Close (the Send with End=\"true\"): %v", err)
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		fail("cat did not finish within 30 s of Stdin.Close: End=\"true\" " +
			"was not honoured")
	}
	if cmd.ExitCode() != 0 {
		fail("cat exited %d, stderr %q", cmd.ExitCode(), errOut.String())
	}
	if !bytes.Equal(out.Bytes(), input) {
		fail("cat returned %d bytes (sha256 %x), sent %d (sha256 %x)",
			out.Len(), sha256.Sum256(out.Bytes()), len(input),
			sha256.Sum256(input))
	}
	cmd.Close()
	ok("cat via Execute/Stdin.Write/Stdin.Close echoed %d bytes "+
		"(%d Sends) in %.2f s", len(input),
		(len(input)+client.Parameters.EnvelopeSize-1001)/
			(client.Parameters.EnvelopeSize-1000)+1,
		time.Since(t0).Seconds())
}

func main() {
	if len(os.Args) != 7 {
		fail("usage: shell_go HOST PORT http|https USER PASSWORD short|long")
	}
	host, user, pass, mode := os.Args[1], os.Args[4], os.Args[5], os.Args[6]
	port, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fail("bad port %q", os.Args[2])
	}
	https := os.Args[3] == "https"
	endpoint := winrm.NewEndpoint(host, port, https, true, nil, nil, nil,
		70*time.Second)
	client, err := winrm.NewClient(endpoint, user, pass)
	if err != nil {
		fail("NewClient: %v", err)
	}
	if client.Parameters.Timeout != "PT60S" {
		fail("the default OperationTimeout is %s, not PT60S",
			client.Parameters.Timeout)
	}

	switch mode {
	case "short":
		var out, errOut bytes.Buffer
		rc, err := client.Run("exit 3", &out, &errOut)
		if err != nil || rc != 3 {
			fail("Run(\"exit 3\"): rc %d, err %v, stderr %q", rc, err,
				errOut.String())
		}
		ok("Run(\"exit 3\") -> 3")

		out.Reset()
		errOut.Reset()
		rc, err = client.Run("echo out; echo err >&2", &out, &errOut)
		if err != nil || rc != 0 || out.String() != "out\n" ||
			errOut.String() != "err\n" {
			fail("Run(echo out; echo err >&2): rc %d, err %v, stdout %q, "+
				"stderr %q", rc, err, out.String(), errOut.String())
		}
		ok("Run: stdout and stderr apart")

		sout, serr, rc, err := client.RunWithString("head -n 2",
			"line1\nline2\n")
		if err != nil || rc != 0 || sout != "line1\nline2\n" {
			fail("RunWithString(\"head -n 2\"): rc %d, err %v, stdout %q, "+
				"stderr %q", rc, err, sout, serr)
		}
		ok("RunWithString(\"head -n 2\", \"line1\\nline2\\n\") -> the two lines")

		catThroughExecute(client, []byte("hello from Go\nsecond line\n"))
		big := make([]byte, 600*1024)
		rand.New(rand.NewSource(time.Now().UnixNano())).Read(big)
		// Go's Create asks for codepage 65001: bytes pass unchanged
		catThroughExecute(client, big)
	case "long":
		var out, errOut bytes.Buffer
		t0 := time.Now()
		rc, err := client.Run("sleep 62; echo done", &out, &errOut)
		dt := time.Since(t0).Seconds()
		if err != nil || rc != 0 || out.String() != "done\n" {
			fail("Run(\"sleep 62; echo done\") after %.1f s: rc %d, err %v, "+
				"stdout %q, stderr %q", dt, rc, err, out.String(),
				errOut.String())
		}
		if dt < 62 {
			fail("Run(\"sleep 62; echo done\") returned after %.1f s", dt)
		}
		ok("Run(\"sleep 62; echo done\") -> rc 0, \"done\" after %.1f s", dt)
	default:
		fail("unknown mode %q", mode)
	}
}
