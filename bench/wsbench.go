// wsbench: the WinRM client bench/run drives winrmd with (masterzen/winrm,
// Debian's golang-github-masterzen-winrm-dev), so that the client is not the
// bottleneck.  Modes print one line of numbers; bench/run parses them.
//
//	wsbench -mode roundtrip -n 50         full Create/Command/Receive/Signal/Delete of `true`
//	wsbench -mode stream -bytes N         N bytes of /dev/zero through Receive
//	wsbench -mode shells -n 1000 -hold S  N shells, each with `sleep S` waiting in Receive
//	wsbench -mode identify -n 200         Identify latency on one connection
//	wsbench -mode enumerate -n 10 [-class C]  ms per enumeration of every instance of C
//	                                      (default Win32_Process)
//	wsbench -mode storm -n 50 [-users F]  N logins at once, a connection each: p50 p99 (ms), wall (s)
//	                                      F: lines user:password, one client each (else -user/-pass)
//	                                      (Enumerate + Pull until EndOfSequence)
//	wsbench -mode rawstream -bytes N -envelope E
//	                                      N bytes through Receive, by a lean client of
//	                                      our own asking for E-byte envelopes
package main

import (
	"bytes"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
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
	envelope := flag.Int("envelope", 512000, "")
	users := flag.String("users", "", "")
	class := flag.String("class", "Win32_Process", "")
	least := flag.Int("min", 1, "")
	flag.Parse()
	if *mode == "storm" {
		storm(fmt.Sprintf("http://%s:%d/wsman", *host, *port), *user, *pass, *users, *n)
		return
	}

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
		var shells []*winrm.Shell
		started, failed := 0, 0
		// SIGTERM: delete every shell (their commands end with them),
		// so that later benchmarks see the host as it was
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
		go func() {
			<-sig
			mu.Lock()
			list := append([]*winrm.Shell(nil), shells...)
			mu.Unlock()
			var dw sync.WaitGroup
			sem := make(chan struct{}, 32)
			for _, sh := range list {
				dw.Add(1)
				sem <- struct{}{}
				go func(sh *winrm.Shell) {
					sh.Close()
					<-sem
					dw.Done()
				}(sh)
			}
			dw.Wait()
			os.Exit(0)
		}()
		for i := 0; i < *n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sh, err := client.CreateShell()
				if err == nil {
					mu.Lock()
					shells = append(shells, sh)
					mu.Unlock()
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
	case "enumerate":
		url := fmt.Sprintf("http://%s:%d/wsman", *host, *port)
		var ms []float64
		for i := 0; i < *n; i++ {
			t := time.Now()
			count, err := enumerateAll(url, *user, *pass, *envelope, *class)
			if err != nil || count < *least {
				fmt.Fprintln(os.Stderr, "enumerate:", count, err)
				os.Exit(1)
			}
			ms = append(ms, float64(time.Since(t).Microseconds())/1000)
		}
		fmt.Printf("%.3f\n", median(ms))
	case "rawstream":
		t := time.Now()
		got, err := rawStream(fmt.Sprintf("http://%s:%d/wsman", *host, *port),
			*user, *pass, *nbytes, *envelope)
		if err != nil || got != *nbytes {
			fmt.Fprintln(os.Stderr, "rawstream:", got, err)
			os.Exit(1)
		}
		fmt.Printf("%.3f\n", time.Since(t).Seconds())
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", *mode)
		os.Exit(2)
	}
}

// ------------------------------------------------------------ lean client

const envelopeFmt = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" ` +
	`xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" ` +
	`xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" ` +
	`xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><s:Header>` +
	`<a:To>http://localhost/wsman</a:To><a:ReplyTo><a:Address s:mustUnderstand="true">` +
	`http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>` +
	`<a:Action s:mustUnderstand="true">%s</a:Action><w:MaxEnvelopeSize s:mustUnderstand="true">%d</w:MaxEnvelopeSize>` +
	`<a:MessageID>uuid:%d</a:MessageID><w:OperationTimeout>PT60S</w:OperationTimeout>` +
	`<w:ResourceURI s:mustUnderstand="true">http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd</w:ResourceURI>` +
	`%s</s:Header><s:Body>%s</s:Body></s:Envelope>`

var (
	reShell   = regexp.MustCompile(`Name="ShellId">([^<]+)<`)
	reCommand = regexp.MustCompile(`CommandId>([^<]+)<`)
)

type lean struct {
	url, user, pass string
	resource        string // ResourceURI; empty: the shell
	envelope        int
	hc              *http.Client
	id              int
}

// a Create's OptionSet, as Go's and Ansible's clients send it
const codepage = "\x00codepage"

func (l *lean) post(action, selector, body string) ([]byte, error) {
	return l.postInto(action, selector, body, nil)
}

// postInto: post, the answer read into buf's storage when it is big enough
func (l *lean) postInto(action, selector, body string, buf []byte) ([]byte, error) {
	l.id++
	sel := ""
	if selector == codepage {
		sel = `<w:OptionSet><w:Option Name="WINRS_CODEPAGE">65001</w:Option></w:OptionSet>`
	} else if selector != "" {
		sel = `<w:SelectorSet><w:Selector Name="ShellId">` + selector + `</w:Selector></w:SelectorSet>`
	}
	env := fmt.Sprintf(envelopeFmt, action, l.envelope, l.id, sel, body)
	if l.resource != "" {
		env = strings.Replace(env, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd",
			l.resource, 1)
	}
	req, _ := http.NewRequest("POST", l.url, bytes.NewReader([]byte(env)))
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	req.SetBasicAuth(l.user, l.pass)
	resp, err := l.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := readBody(resp, buf)
	if resp.StatusCode != 200 {
		return b, fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, b)
	}
	return b, err
}

// readBody reads an answer into buf (reused from reply to reply, grown to
// the Content-Length when too small), not through io.ReadAll's doubling
func readBody(resp *http.Response, buf []byte) ([]byte, error) {
	if n := resp.ContentLength; n > int64(cap(buf)) {
		buf = make([]byte, 0, n)
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		m, err := resp.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

func rawStream(url, user, pass string, nbytes int64, envelope int) (int64, error) {
	const shellNS = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
	l := &lean{url: url, user: user, pass: pass, envelope: envelope,
		hc: &http.Client{Timeout: 120 * time.Second}}
	b, err := l.post("http://schemas.xmlsoap.org/ws/2004/09/transfer/Create", codepage,
		`<rsp:Shell><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>`)
	if err != nil {
		return 0, err
	}
	m := reShell.FindSubmatch(b)
	if m == nil {
		return 0, fmt.Errorf("no ShellId")
	}
	shell := string(m[1])
	b, err = l.post(shellNS+"/Command", shell, fmt.Sprintf(
		`<rsp:CommandLine><rsp:Command>head -c %d /dev/zero</rsp:Command></rsp:CommandLine>`, nbytes))
	if err != nil {
		return 0, err
	}
	if m = reCommand.FindSubmatch(b); m == nil {
		return 0, fmt.Errorf("no CommandId")
	}
	cmd := string(m[1])
	// Each answer is decoded by a goroutine while the next Receive is
	// already on its way (two answer buffers in turn), so that the
	// client's decoding does not stall the daemon.
	free := make(chan []byte, 2)
	free <- make([]byte, 0, envelope+4096)
	free <- make([]byte, 0, envelope+4096)
	answers := make(chan []byte, 1)
	type total struct {
		got int64
		err error
	}
	result := make(chan total)
	go func() {
		var t total
		out := make([]byte, envelope)
		for b := range answers {
			if t.err == nil {
				var n int64
				n, out, t.err = decodeStdout(b, out)
				t.got += n
			}
			free <- b
		}
		result <- t
	}()
	for {
		b, err := l.postInto(shellNS+"/Receive", shell, `<rsp:Receive><rsp:DesiredStream CommandId="`+
			cmd+`">stdout stderr</rsp:DesiredStream></rsp:Receive>`, <-free)
		if err != nil {
			close(answers)
			t := <-result
			return t.got, err
		}
		// CommandState follows the streams
		tail := b
		if i := bytes.LastIndex(b, []byte("</rsp:Stream>")); i >= 0 {
			tail = b[i:]
		}
		done := bytes.Contains(tail, []byte("CommandState/Done"))
		answers <- b
		if done {
			break
		}
	}
	close(answers)
	t := <-result
	if t.err != nil {
		return t.got, t.err
	}
	l.post(shellNS+"/Signal", shell, `<rsp:Signal CommandId="`+cmd+
		`"><rsp:Code>`+shellNS+`/signal/terminate</rsp:Code></rsp:Signal>`)
	l.post("http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete", shell, "")
	return t.got, nil
}

// decodeStdout: the bytes of every stdout Stream element of a Receive
// answer, decoded into out (grown when too small); returns their count
func decodeStdout(b, out []byte) (int64, []byte, error) {
	var got int64
	for rest := b; ; {
		i := bytes.Index(rest, []byte(`<rsp:Stream Name="stdout"`))
		if i < 0 {
			return got, out, nil
		}
		rest = rest[i:]
		j := bytes.IndexByte(rest, '>')
		k := bytes.Index(rest, []byte("</rsp:Stream>"))
		if j < 0 {
			return got, out, fmt.Errorf("unterminated stream element")
		}
		if rest[j-1] == '/' {
			rest = rest[j+1:]
			continue
		}
		if k < j {
			return got, out, fmt.Errorf("bad stream element")
		}
		enc := rest[j+1 : k]
		if n := base64.StdEncoding.DecodedLen(len(enc)); n > len(out) {
			out = make([]byte, n)
		}
		n, err := base64.StdEncoding.Decode(out, enc)
		if err != nil {
			return got, out, err
		}
		got += int64(n)
		rest = rest[k:]
	}
}

// enumerateAll: every Win32_Process, as `winrm enumerate wmicimv2/Win32_Process`
// asks (OptimizeEnumeration, MaxElements 32000), then Pull until the end
func enumerateAll(url, user, pass string, envelope int, class string) (int, error) {
	const wsen = "http://schemas.xmlsoap.org/ws/2004/09/enumeration"
	uri := "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/" + class
	l := &lean{url: url, user: user, pass: pass, envelope: envelope,
		hc: &http.Client{Timeout: 120 * time.Second}, resource: uri}
	b, err := l.post(wsen+"/Enumerate", "", `<n:Enumerate xmlns:n="`+wsen+
		`"><w:OptimizeEnumeration/><w:MaxElements>32000</w:MaxElements></n:Enumerate>`)
	count := 0
	for err == nil {
		count += bytes.Count(b, []byte("<p:"+class+" "))
		if bytes.Contains(b, []byte("EndOfSequence")) {
			return count, nil
		}
		i := bytes.Index(b, []byte("EnumerationContext>"))
		j := bytes.Index(b[i+1:], []byte("</"))
		if i < 0 || j < 0 {
			return count, fmt.Errorf("no EnumerationContext: %.300s", b)
		}
		ctx := string(b[i+len("EnumerationContext>") : i+1+j])
		b, err = l.post(wsen+"/Pull", "", `<n:Pull xmlns:n="`+wsen+
			`"><n:EnumerationContext>`+ctx+`</n:EnumerationContext><n:MaxElements>32000</n:MaxElements></n:Pull>`)
	}
	return count, err
}

// storm: n clients at once, each on a connection of its own, each sending
// one authenticated Identify with Basic (the login is the work); every
// answer must be 200.  Prints p50 and p99 of the latencies (ms) and the
// wall time of the storm (s).
func storm(url, user, pass, usersFile string, n int) {
	creds := [][2]string{{user, pass}}
	if usersFile != "" {
		data, err := os.ReadFile(usersFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		creds = nil
		for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			if i := strings.IndexByte(l, ':'); i > 0 {
				creds = append(creds, [2]string{l[:i], l[i+1:]})
			}
		}
		n = len(creds)
	}
	body := []byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"><s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>`)
	ms := make([]float64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := creds[i%len(creds)]
			hc := &http.Client{Timeout: 60 * time.Second,
				Transport: &http.Transport{DisableKeepAlives: true}}
			req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
			req.SetBasicAuth(c[0], c[1])
			<-start
			t := time.Now()
			resp, err := hc.Do(req)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					err = fmt.Errorf("%s: status %d", c[0], resp.StatusCode)
				}
			}
			errs[i] = err
			ms[i] = float64(time.Since(t).Microseconds()) / 1000
		}(i)
	}
	t := time.Now()
	close(start)
	wg.Wait()
	wall := time.Since(t).Seconds()
	for _, err := range errs {
		if err != nil {
			fmt.Fprintln(os.Stderr, "storm:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("%.3f %.3f %.3f\n", percentile(ms, 0.5), percentile(ms, 0.99), wall)
}
