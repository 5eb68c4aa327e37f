// wsbench: the WinRM client bench/run drives winrmd with (masterzen/winrm,
// Debian's golang-github-masterzen-winrm-dev), so that the client is not the
// bottleneck.  Modes print one line of numbers; bench/run parses them.
//
//	wsbench -mode roundtrip -n 50         full Create/Command/Receive/Signal/Delete of `true`
//	wsbench -mode stream -bytes N         N bytes of /dev/zero through Receive
//	wsbench -mode shells -n 1000 -hold S  N shells, each with `sleep S` waiting in Receive
//	wsbench -mode identify -n 200         Identify latency on one connection
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/masterzen/winrm"
)

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func median(d []float64) float64 {
	sort.Float64s(d)
	return d[len(d)/2]
}

func percentile(d []float64, p float64) float64 {
	sort.Float64s(d)
	i := int(float64(len(d)-1) * p)
	return d[i]
}

func main() {
	host := flag.String("host", "127.0.0.1", "")
	port := flag.Int("port", 5985, "")
	user := flag.String("user", "", "")
	pass := flag.String("pass", "", "")
	mode := flag.String("mode", "roundtrip", "")
	n := flag.Int("n", 20, "")
	nbytes := flag.Int64("bytes", 1<<20, "")
	hold := flag.Int("hold", 30, "")
	flag.Parse()

	ep := winrm.NewEndpoint(*host, *port, false, true, nil, nil, nil, 120*time.Second)
	client, err := winrm.NewClient(ep, *user, *pass)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	switch *mode {
	case "roundtrip":
		var ms []float64
		for i := 0; i < *n; i++ {
			t := time.Now()
			rc, err := client.Run("true", io.Discard, io.Discard)
			if err != nil || rc != 0 {
				fmt.Fprintln(os.Stderr, "run:", rc, err)
				os.Exit(1)
			}
			ms = append(ms, float64(time.Since(t).Microseconds())/1000)
		}
		fmt.Printf("%.3f\n", median(ms))
	case "stream":
		var c counter
		t := time.Now()
		rc, err := client.Run(fmt.Sprintf("head -c %d /dev/zero", *nbytes), &c, io.Discard)
		if err != nil || rc != 0 || c.n != *nbytes {
			fmt.Fprintln(os.Stderr, "stream:", rc, err, c.n)
			os.Exit(1)
		}
		fmt.Printf("%.3f\n", time.Since(t).Seconds())
	case "shells":
		var wg sync.WaitGroup
		var mu sync.Mutex
		started, failed := 0, 0
		for i := 0; i < *n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sh, err := client.CreateShell()
				if err == nil {
					var cmd *winrm.Command
					cmd, err = sh.Execute(fmt.Sprintf("sleep %d", *hold))
					if err == nil {
						mu.Lock()
						started++
						if started == *n {
							fmt.Println("started")
						}
						mu.Unlock()
						io.Copy(io.Discard, cmd.Stdout)
						cmd.Wait()
						cmd.Close()
					}
					sh.Close()
				}
				if err != nil {
					mu.Lock()
					failed++
					mu.Unlock()
					fmt.Fprintln(os.Stderr, "shell:", err)
				}
			}()
		}
		wg.Wait()
		if failed > 0 {
			os.Exit(1)
		}
	case "identify":
		body := []byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"><s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>`)
		url := fmt.Sprintf("http://%s:%d/wsman", *host, *port)
		hc := &http.Client{Timeout: 10 * time.Second}
		var ms []float64
		for i := 0; i < *n; i++ {
			req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
			req.Header.Set("WSMANIDENTIFY", "unauthenticated")
			t := time.Now()
			resp, err := hc.Do(req)
			if err != nil || resp.StatusCode != 200 {
				fmt.Fprintln(os.Stderr, "identify:", err)
				os.Exit(1)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			ms = append(ms, float64(time.Since(t).Microseconds())/1000)
		}
		fmt.Printf("%.3f %.3f\n", percentile(ms, 0.5), percentile(ms, 0.99))
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", *mode)
		os.Exit(2)
	}
}
