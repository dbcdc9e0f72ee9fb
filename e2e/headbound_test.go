package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// manyLinesHead returns a GET head of lines header lines, each a field of its own name.
func manyLinesHead(lines int) string {
	const tok = "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~"
	var b strings.Builder
	b.WriteString("GET /healthz HTTP/1.1\r\nHost: x\r\n")
	for i := range lines {
		fmt.Fprintf(&b, "%c%c:\n", tok[i/len(tok)%len(tok)], tok[i%len(tok)])
	}
	b.WriteString("\r\n")
	return b.String()
}

// foldedThenHead is a probe with a folded field that reads as a Content-Length, and a head of
// 900 lines pipelined after it: before obs-fold was refused, the line counter took the fold for
// a body and let the next head through uncounted (200, then 200).
var foldedThenHead = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: b\r\n content-length: 5\r\n\r\n" + manyLinesHead(900)

// dropThenHead is an authorized drop with a head of 900 lines pipelined after its body: before,
// the counter stopped at the drop's Content-Length and never counted again (202, then 200).
var dropThenHead = dropHead(4, true) + "real" + manyLinesHead(900)

// statuses writes stream on c and returns the statuses it reads, until an answer closes the
// connection, or nothing comes for d.
func statuses(c net.Conn, stream string, d time.Duration) []int {
	io.WriteString(c, stream)
	r := bufio.NewReader(c)
	var got []int
	for {
		c.SetReadDeadline(time.Now().Add(d))
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			return got
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		got = append(got, resp.StatusCode)
		if resp.Close {
			return got
		}
	}
}

// TestHeadLinesCountedAfterFoldAndBody: a folded header line is answered 400 (RFC 9112 §5.2),
// and the head pipelined after it is never served; a head of 900 lines pipelined after an
// authorized drop's body is answered 400, the drop 202; the same head alone is 400.
func TestHeadLinesCountedAfterFoldAndBody(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir))
	addr := logged(t, p, "addr")
	tests := []struct {
		name, stream string
		want         []int
	}{
		{"the head alone", manyLinesHead(900), []int{400}},
		{"a folded line, then the head", foldedThenHead, []int{400}},
		{"a folded line alone", "GET /healthz HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", []int{400}},
		{"a drop, then the head", dropThenHead, []int{202, 400}},
		{"a drop, then a probe", dropHead(4, true) + "real" + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", []int{202, 200}},
	}
	for _, tt := range tests {
		got := statuses(dial(t, addr), tt.stream, 2*time.Second)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: statuses %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestMemoryBoundWithPipelinedHeads: with the default settings, as many connections as the cap
// holds, each sending a folded line and a pipelined head of 900 lines (no token) left unended,
// and then as many each sending an authorized drop and the same head after its body, are each
// answered 400 for the head (before, it was parsed uncounted and held: [200] and [202], 39.6 MiB
// of peak RSS), and leave the server's peak RSS under MemoryBound (some 20 MiB); a real drop is
// then 202 within a second.
func TestMemoryBoundWithPipelinedHeads(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir))
	addr := logged(t, p, "addr")
	conns := atoi(t, maxConnsLogged(p))
	for _, tt := range []struct {
		name, stream string
		want         string
	}{
		{"folded, unauthenticated", strings.TrimSuffix(foldedThenHead, "\r\n"), "[400]"},
		{"after an authorized drop", strings.TrimSuffix(dropThenHead, "\r\n"), "[202 400]"},
	} {
		got := map[string]int{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for w := range 16 {
			wg.Go(func() {
				for i := w; i < conns; i += 16 {
					c := dial(t, addr) // held open until the test ends
					s := fmt.Sprint(statuses(c, tt.stream, time.Second))
					mu.Lock()
					got[s]++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		peak := peakRSS(t, p.cmd.Process.Pid)
		t.Logf("%s: %d connections, statuses %v; peak RSS %.1f MiB", tt.name, conns, got, float64(peak)/(1<<20))
		if got[tt.want] != conns {
			t.Errorf("%s: statuses %v; want %d × %s", tt.name, got, conns, tt.want)
		}
		if peak > MemoryBound {
			t.Errorf("%s: peak RSS %.1f MiB, over the %d MiB the defaults are for", tt.name, float64(peak)/(1<<20), MemoryBound>>20)
		}
	}
	begin := time.Now()
	if status, err := postDrop(fresh(), "http://"+addr+"/v1/drop", []byte("real")); status != 202 || time.Since(begin) > time.Second {
		t.Errorf("real drop after: %d, %v after %v; want 202 within a second", status, err, time.Since(begin))
	}
}
