package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// The bounds below ("within a second", 2 s) are measured over the real server process: a bound
// is the property checked (a client is served now, not after a timeout of 30 s), kept
// deliberately in these load tests, unlike unit tests, which wait on signals.

// The tests of the server's edge: hostile and naive clients, over real HTTP against the binary.

// dropHead returns the head of a drop request declaring length bytes: with the test tokens
// when authorized, else with none; extra are more header lines.
func dropHead(length int64, authorized bool, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "POST /v1/drop HTTP/1.1\r\nHost: dropbox\r\nContent-Length: %d\r\n", length)
	if authorized {
		fmt.Fprintf(&b, "Authorization: Bearer %s\r\n%s: Bearer %s\r\n", facetest.AuthToken, facetest.CDNHeader, facetest.CDNToken)
	}
	for _, e := range extra {
		b.WriteString(e + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// dial opens a connection to addr, closed when the test ends.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readStatus reads one response from c within d, and returns its status and body.
func readStatus(c net.Conn, d time.Duration) (int, string, error) {
	c.SetReadDeadline(time.Now().Add(d))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// naive is a client that writes its whole request, body included, before it reads: it
// returns the status it reads, or the error that kept it from one.
func naive(addr, head string, body []byte) (int, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetWriteDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(c, head); err != nil {
		return 0, fmt.Errorf("writing the head: %w", err)
	}
	if _, err := c.Write(body); err != nil {
		return 0, fmt.Errorf("writing the body: %w", err)
	}
	status, _, err := readStatus(c, 20*time.Second)
	return status, err
}

// TestRefusedAtOnce: with MAX_CONNS=8, eight connections that send an unauthorized drop's
// headers, three bytes of a 10,000-byte body and then nothing each read their 401 at once,
// and lock nobody out: a real drop is answered 202 within a second while they are held; so do
// eight probes with slow bodies. Eight authorized drops that stall are closed to make room: a
// real drop still gets in.
func TestRefusedAtOnce(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir, "MAX_CONNS=8"))
	addr := logged(t, p, "addr")
	for i := range 8 {
		c := dial(t, addr)
		io.WriteString(c, dropHead(10000, false)+"abc")
		status, _, err := readStatus(c, time.Second)
		if status != 401 {
			t.Fatalf("unauthorized slow body %d: %d, %v; want 401 within a second", i, status, err)
		}
	}
	begin := time.Now()
	if status, err := postDrop(fresh(), "http://"+addr+"/v1/drop", []byte("real")); status != 202 || time.Since(begin) > time.Second {
		t.Errorf("real drop beside 8 refused slow bodies: %d, %v after %v; want 202 within a second", status, err, time.Since(begin))
	}

	for i := range 8 { // a probe with a slow body is no drop, and holds nothing either
		c := dial(t, addr)
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\nabc")
		if status, _, err := readStatus(c, time.Second); status != 200 {
			t.Fatalf("probe with a slow body %d: %d, %v; want 200 within a second", i, status, err)
		}
	}
	begin = time.Now()
	if status, err := postDrop(fresh(), "http://"+addr+"/v1/drop", []byte("real")); status != 202 || time.Since(begin) > time.Second {
		t.Errorf("real drop beside 8 probes with slow bodies: %d, %v after %v; want 202 within a second", status, err, time.Since(begin))
	}

	for range 8 {
		io.WriteString(dial(t, addr), dropHead(10000, true)+"abc")
	}
	begin = time.Now()
	if status, err := postDrop(fresh(), "http://"+addr+"/v1/drop", []byte("real")); status != 202 || time.Since(begin) > 2*time.Second {
		t.Errorf("real drop beside 8 stalled authorized bodies: %d, %v after %v; want 202 within 2 s (stalled for 1 s: evictable)", status, err, time.Since(begin))
	}
}

// TestSlowBody: an authorized body that stalls after three bytes is answered 408 once its
// grace is over (BodyGrace, 2 s), and its connection closed; the log says slow_body, and the
// server stays ready.
func TestSlowBody(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir))
	addr := logged(t, p, "addr")
	c := dial(t, addr)
	begin := time.Now()
	io.WriteString(c, dropHead(10000, true)+"abc")
	status, body, err := readStatus(c, 10*time.Second)
	took := time.Since(begin)
	if status != 408 || took < 1500*time.Millisecond || took > 4*time.Second {
		t.Errorf("stalled body: %d %q, %v after %v; want 408 after 2 s", status, body, err, took)
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if n, err := c.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		t.Errorf("after the 408: read %d, %v; want the connection closed (EOF)", n, err)
	}
	waitFor(t, p.stdout.logged(`"reason":"slow_body"`), "a slow_body line")
	if s, _ := getStatus(t, "http://"+addr+"/readyz"); s != 200 {
		t.Errorf("/readyz after a slow body: %d, want 200", s)
	}
	if n := len(files(t, dir)); n != 0 {
		t.Errorf("%d files, want none", n)
	}
}

// fresh returns a client with a connection pool of its own.
func fresh() *http.Client {
	return &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
}

func getStatus(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestNaiveClientsReadTheirAnswer: clients that write their whole 6 MiB body before they read
// (as Python's http.client and Java's HttpURLConnection do) all read an answer, whether it
// is a 202, a 503 busy (48 at once, over the 32 MiB budget), a 401 or a 413 by header.
func TestNaiveClientsReadTheirAnswer(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir, "MAX_BODY_BYTES=6291456"))
	addr := logged(t, p, "addr")
	over := bytes.Repeat([]byte("n"), 7<<20)
	payload := over[:6<<20]
	tests := []struct {
		name  string
		head  string
		body  []byte
		count int
		want  []int
	}{
		{"authorized", dropHead(int64(len(payload)), true), payload, 32, []int{202, 503}},
		{"no token", dropHead(int64(len(payload)), false), payload, 8, []int{401}},
		{"declared over the limit", dropHead(int64(len(over)), true), over, 8, []int{413}},
	}
	got := make([][]int, len(tests))
	errs := make([][]error, len(tests))
	var wg sync.WaitGroup
	for i, tt := range tests {
		got[i], errs[i] = make([]int, tt.count), make([]error, tt.count)
		for j := range tt.count {
			wg.Go(func() { got[i][j], errs[i][j] = naive(addr, tt.head, tt.body) })
		}
	}
	wg.Wait()
	for i, tt := range tests {
		counts := map[int]int{}
		for j, s := range got[i] {
			counts[s]++
			if !slices.Contains(tt.want, s) {
				t.Errorf("%s, client %d: %d, %v; want one of %v", tt.name, j, s, errs[i][j], tt.want)
			}
		}
		t.Logf("%s: %d naive clients, statuses %v", tt.name, tt.count, counts)
	}
	if t.Failed() {
		t.Logf("server log:\n%s", p.stdout)
	}
}

// TestIdleFlood: with default settings, 10,000 connection attempts held idle (keep-alive,
// after one request) keep the server's peak RSS under 96 MiB and its sockets under the cap
// (which follows memory), and a new client is served within a second.
func TestIdleFlood(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir))
	addr := logged(t, p, "addr")
	const attempts = 10000
	conns := make(chan net.Conn, attempts)
	var wg sync.WaitGroup
	jobs := make(chan struct{})
	for range 32 {
		wg.Go(func() {
			for range jobs {
				c, err := net.DialTimeout("tcp", addr, 3*time.Second)
				if err != nil {
					continue
				}
				conns <- c // a keep-alive connection, idle after one request
				io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
				readStatus(c, 3*time.Second)
			}
		})
	}
	for range attempts {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	close(conns)
	held := 0
	defer func() {
		for c := range conns {
			c.Close()
		}
	}()
	held = len(conns)
	begin := time.Now()
	status, err := postDrop(fresh(), "http://"+addr+"/v1/drop", []byte("new client"))
	took := time.Since(begin)
	peak := peakRSS(t, p.cmd.Process.Pid)
	t.Logf("%d attempts, %d connected; max_conns %s; new client %v; peak RSS %.1f MiB", attempts, held, maxConnsLogged(p), took.Round(time.Millisecond), float64(peak)/(1<<20))
	if status != 202 || took > time.Second {
		t.Errorf("new client: %d, %v after %v; want 202 within a second", status, err, took)
	}
	if peak > 96<<20 {
		t.Errorf("peak RSS %.1f MiB, want under 96", float64(peak)/(1<<20))
	}
	if n, limit := sockets(t, p.cmd.Process.Pid), atoi(t, maxConnsLogged(p)); n > limit+2 {
		t.Errorf("the server holds %d sockets, over its cap of %d and its listener", n, limit)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}

func maxConnsLogged(p *process) string {
	out := p.stdout.String()
	i := strings.Index(out, `"max_conns":`)
	if i < 0 {
		return "?"
	}
	rest := out[i+len(`"max_conns":`):]
	return rest[:strings.IndexAny(rest, ",}")]
}

// TestClientFailuresAreNotStorageFailures: a 6,000-byte Content-Type is a 400 that names the
// bound, and a 256-byte one is stored; clients that hang up mid-body, or after their body and
// before the answer, are logged as client_gone (or stored), never as storage failures, and
// /readyz stays 200.
func TestClientFailuresAreNotStorageFailures(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir))
	addr := logged(t, p, "addr")
	url := "http://" + addr
	for range 6 {
		status, body, err := rawDrop(addr, dropHead(4, true, "Content-Type: text/plain; x="+strings.Repeat("a", 6000)), "long")
		if status != 400 || !strings.Contains(body, "Content-Type header must be at most 256 bytes") {
			t.Fatalf("6,000-byte content type: %d %q, %v; want 400 naming the bound", status, body, err)
		}
	}
	longest := "text/plain; x=" + strings.Repeat("a", 256-len("text/plain; x="))
	if status, body, err := rawDrop(addr, dropHead(7, true, "Content-Type: "+longest), "longest"); status != 202 {
		t.Errorf("256-byte content type: %d %q, %v; want 202", status, body, err)
	}
	for range 6 { // mid-body
		c := dial(t, addr)
		io.WriteString(c, dropHead(1000, true)+"only part of it")
		c.Close()
	}
	for range 6 { // the whole body, then gone before the answer
		c := dial(t, addr)
		io.WriteString(c, dropHead(5, true)+"whole")
		c.Close()
	}
	waitFor(t, p.stdout.when(func(out string) bool { return strings.Count(out, `"reason":"client_gone"`) >= 6 }), "6 client_gone lines")
	if s, body := getStatus(t, url+"/readyz"); s != 200 {
		t.Errorf("/readyz: %d %q, want 200", s, body)
	}
	out := p.stdout.String()
	if strings.Contains(out, `"reason":"storage`) || strings.Contains(out, "storage is unavailable") {
		t.Errorf("a client's failure logged as storage's: %s", out)
	}
}

// rawDrop sends one request and reads its answer.
func rawDrop(addr, head, body string) (int, string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, "", err
	}
	defer c.Close()
	io.WriteString(c, head+body)
	return readStatus(c, 5*time.Second)
}

// waitFor waits until done is closed (the server's output said what), failing the test when
// the server says nothing of it for 5 s: a bound on a real process, not a synchronisation.
func waitFor(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("no %s after 5 s", what)
	}
}

// TestMetricsListenerLimits: the metrics listener holds at most 8 connections: with 40 silent
// ones held against it, the server holds few sockets and a scrape is served within a second;
// a connection that sends half its headers is closed after ReadHeaderTimeout (5 s).
func TestMetricsListenerLimits(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir, "METRICS_ADDR=127.0.0.1:0"))
	metrics := logged(t, p, "metrics_addr")
	for range 40 {
		dial(t, metrics)
	}
	begin := time.Now()
	if s, _ := getStatus(t, "http://"+metrics+"/metrics"); s != 200 || time.Since(begin) > time.Second {
		t.Errorf("scrape beside 40 silent connections: %d after %v; want 200 within a second", s, time.Since(begin))
	}
	if n := sockets(t, p.cmd.Process.Pid); n > 2+8+2 {
		t.Errorf("the server holds %d sockets; want at most the 2 listeners, 8 metrics connections and 2 more", n)
	}
	c := dial(t, metrics)
	io.WriteString(c, "GET /metrics HTTP/1.1\r\nHost: x\r\n")
	begin = time.Now()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := c.Read(make([]byte, 512))
	if took := time.Since(begin); err == nil || took > 7*time.Second {
		t.Errorf("half-sent headers: %v after %v; want the connection closed within ReadHeaderTimeout", err, took)
	}
}

// sockets counts the open sockets of a process.
func sockets(t *testing.T, pid int) int {
	t.Helper()
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Skipf("skipped: no /proc: %v", err)
	}
	n := 0
	for _, fd := range fds {
		if l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && strings.HasPrefix(l, "socket:") {
			n++
		}
	}
	return n
}

// TestLoadFromManyClients: for HOSTILE_SECONDS (5 by default), with default settings but a 1 MiB
// limit, attackers and naive clients at once: 3,000 silent connections and 300 idle
// keep-alive ones held from the start; slow bodies (unauthorized and authorized, 10,000 bytes
// declared, 3 sent) and slow headers opened without pause; clients that write 256 KiB bodies
// whole before reading (authorized, without a token, declared over the limit, with 16 KiB of
// headers). Meanwhile 8
// real clients drop 1 KiB payloads with an Idempotency-Key, as the sender does (and first for
// 2 s alone: the floor the figures are compared with). Every real drop is a 202 and stored,
// their p99 under a second; every naive client reads its answer; the server's peak RSS stays
// under MemoryBound, what the default cap and budget are set for.
func TestLoadFromManyClients(t *testing.T) {
	seconds := envInt(t, "HOSTILE_SECONDS", 5)
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir, "MAX_BODY_BYTES=1048576"))
	addr := logged(t, p, "addr")
	url := "http://" + addr

	var mu sync.Mutex
	var held []net.Conn
	hold := func(c net.Conn) {
		mu.Lock()
		held = append(held, c)
		mu.Unlock()
	}
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	}()
	alone, failures := realDrops(url, "alone", time.Now().Add(2*time.Second)) // the floor
	if len(failures) > 0 {
		t.Fatalf("without attackers, %d real drops failed, first: %s", len(failures), failures[0])
	}
	for range 3000 { // silent
		if c, err := net.DialTimeout("tcp", addr, 3*time.Second); err == nil {
			hold(c)
		}
	}
	for range 300 { // idle keep-alive
		c, err := net.DialTimeout("tcp", addr, 3*time.Second)
		if err != nil {
			continue
		}
		hold(c)
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		readStatus(c, 3*time.Second)
	}

	end := time.Now().Add(time.Duration(seconds) * time.Second)
	var wg sync.WaitGroup
	var attacks, naiveCount, naiveBad int
	var naiveFirst string
	for w := range 6 { // slow bodies and slow headers, without pause
		wg.Go(func() {
			for i := 0; time.Now().Before(end); i++ {
				c, err := net.DialTimeout("tcp", addr, time.Second)
				if err != nil {
					continue
				}
				hold(c)
				switch w % 3 {
				case 0:
					io.WriteString(c, dropHead(10000, false)+"abc")
				case 1:
					io.WriteString(c, dropHead(10000, true)+"abc")
				case 2:
					io.WriteString(c, "POST /v1/drop HTTP/1.1\r\nHost: x\r\nContent-Le")
				}
				mu.Lock()
				attacks++
				mu.Unlock()
				time.Sleep(5 * time.Millisecond) // a pace, not a synchronisation
			}
		})
	}
	body := bytes.Repeat([]byte("w"), 256<<10)
	over := make([]byte, 1<<20+1)
	naives := []struct {
		head string
		body []byte
		want []int
	}{
		{dropHead(int64(len(body)), true), body, []int{202, 503}},
		{dropHead(int64(len(body)), false), body, []int{401}},
		{dropHead(int64(len(over)), true), over, []int{413}},
		{dropHead(int64(len(body)), true, "X-Pad: "+strings.Repeat("p", 16<<10)), body, []int{431}},
	}
	var stored int
	for w := range 4 {
		wg.Go(func() {
			for i := 0; time.Now().Before(end); i++ {
				n := naives[(w+i)%len(naives)]
				status, err := naive(addr, n.head, n.body)
				mu.Lock()
				naiveCount++
				if status == 202 {
					stored++
				}
				if !slices.Contains(n.want, status) {
					naiveBad++
					if naiveFirst == "" {
						naiveFirst = fmt.Sprintf("%d, %v; want one of %v", status, err, n.want)
					}
				}
				mu.Unlock()
			}
		})
	}
	var latencies []time.Duration
	wg.Go(func() { latencies, failures = realDrops(url, "attacked", end) })
	wg.Wait()
	peak := peakRSS(t, p.cmd.Process.Pid)

	if len(latencies) == 0 || len(alone) == 0 {
		t.Fatalf("no real drop stored; failures: %v", failures[:min(len(failures), 3)])
	}
	stored += len(latencies) + len(alone)
	p50, p99 := latencies[len(latencies)/2], latencies[len(latencies)*99/100]
	a50, a99 := alone[len(alone)/2], alone[len(alone)*99/100]
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	t.Logf("alone, 2 s: %d real drops/s, p50 %s, p99 %s; under attack, %d s: %d real drops/s, p50 %s, p99 %s (p50 ×%.1f, p99 ×%.1f); %d naive clients, %d slow bodies and headers opened, 3,300 idle held; max_conns %s; peak RSS %.1f MiB",
		len(alone)/2, ms(a50), ms(a99), seconds, len(latencies)/seconds, ms(p50), ms(p99), float64(p50)/float64(a50), float64(p99)/float64(a99),
		naiveCount, attacks, maxConnsLogged(p), float64(peak)/(1<<20))
	if len(failures) > 0 {
		t.Errorf("%d real drops failed, first: %s", len(failures), failures[0])
	}
	if p99 > time.Second {
		t.Errorf("real drops' p99 %v, want under a second", p99)
	}
	if naiveBad > 0 {
		t.Errorf("%d of %d naive clients read no right answer, first: %s", naiveBad, naiveCount, naiveFirst)
	}
	if peak > MemoryBound {
		t.Errorf("peak RSS %.1f MiB, over the documented %d MiB", float64(peak)/(1<<20), MemoryBound>>20)
	}
	if got := len(files(t, dir)); got != stored {
		t.Errorf("%d files, want the %d drops answered 202", got, stored)
	}
}

// realDrops has 8 clients drop 1 KiB payloads with an Idempotency-Key each, as the sender
// does, until end; it returns the latencies of the 202s, sorted, and the other outcomes.
func realDrops(url, tag string, end time.Time) ([]time.Duration, []string) {
	var mu sync.Mutex
	var latencies []time.Duration
	var failures []string
	var wg sync.WaitGroup
	for c := range 8 {
		wg.Go(func() {
			client := fresh()
			for i := 0; time.Now().Before(end); i++ {
				payload := fmt.Sprintf("%s %d %05d %s", tag, c, i, strings.Repeat("r", 1000))
				took, failure := timedDrop(client, url+"/v1/drop", payload, fmt.Sprintf("%s-%d-%d", tag, c, i))
				mu.Lock()
				if failure != "" {
					failures = append(failures, failure)
				} else {
					latencies = append(latencies, took)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(latencies)
	return latencies, failures
}

// TestNaiveChunkedAndExpect: naive clients (the whole request written before the answer
// is read) with a 6 MiB chunked body (refused: no token, or no length), or with
// Expect: 100-continue and their body sent at once anyway, read their answer; a client that
// waits for its 100 Continue reads its 401 at once, is never told to continue, and its
// connection ends within BodyGrace and a little.
func TestNaiveChunkedAndExpect(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir, "MAX_BODY_BYTES=6291456"))
	addr := logged(t, p, "addr")
	six := bytes.Repeat([]byte("n"), 6<<20)
	tests := []struct {
		name string
		head string
		body []byte
		want int
	}{
		{"chunked, no token", chunkedHead(false), chunked(six, 64<<10), 401},
		{"chunked, authorized", chunkedHead(true), chunked(six, 64<<10), 411},
		{"Expect: 100-continue, no token, body sent at once", dropHead(int64(len(six)), false, "Expect: 100-continue"), six, 401},
	}
	for _, tt := range tests {
		if got, err := naive(addr, tt.head, tt.body); got != tt.want {
			t.Errorf("%s: %d, %v; want %d", tt.name, got, err, tt.want)
		}
	}

	c := dial(t, addr)
	io.WriteString(c, dropHead(int64(len(six)), false, "Expect: 100-continue"))
	begin := time.Now()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	answer, err := io.ReadAll(c) // the whole answer, to the server's close
	took := time.Since(begin)
	if !bytes.HasPrefix(answer, []byte("HTTP/1.1 401 ")) || bytes.Contains(answer, []byte("100 Continue")) || err != nil || took > 4*time.Second {
		t.Errorf("waiting for 100 Continue: read %q, %v, closed after %v; want a 401 alone and the close within 4 s", answer, err, took)
	}
}
