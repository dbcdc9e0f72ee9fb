package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRefusedHeadReadByNaiveClient: a client that writes its whole request, an 8 MiB body
// included, before it reads, reads the answer to a head refused for its size (431: Go's server
// answered it itself and closed the connection, and the client read a reset), its lines or a
// folded field (400); with a chunked body too. The answer comes at once: a slow body is not
// waited for.
func TestRefusedHeadReadByNaiveClient(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir))
	addr := logged(t, p, "addr")
	body := bytes.Repeat([]byte("b"), 8<<20)
	big := []string{"X-Big: " + strings.Repeat("v", 13<<10)}
	var many []string
	for i := range 150 {
		many = append(many, fmt.Sprintf("X-%d: v", i))
	}
	chunkedBody := append(append([]byte(fmt.Sprintf("%x\r\n", len(body))), body...), "\r\n0\r\n\r\n"...)
	tests := []struct {
		name string
		head string
		body []byte
		want int
	}{
		{"a head of 13 KiB", dropHead(int64(len(body)), true, big...), body, 431},
		{"a head of 13 KiB, unauthorized", dropHead(int64(len(body)), false, big...), body, 431},
		{"a head of 13 KiB, chunked", strings.Replace(dropHead(0, true, big...), "Content-Length: 0", "Transfer-Encoding: chunked", 1), chunkedBody, 431},
		{"a head of 150 lines", dropHead(int64(len(body)), true, many...), body, 400},
		{"a folded field", dropHead(int64(len(body)), true, "X-A: b", " folded"), body, 400},
	}
	for _, tt := range tests {
		for round := range 3 {
			if got, err := naive(addr, tt.head, tt.body); got != tt.want {
				t.Errorf("%s (round %d): %d, %v; want %d", tt.name, round, got, err, tt.want)
			}
		}
	}
}

// TestRefusalReadOnSlowLink: under MAX_CONNS=8, four clients that write their whole 1 MiB
// body before reading, refused (no token), in 32 KiB bursts 150 ms apart as a window-limited
// sender on a long link does (200 KiB/s, far above the pace), read their 401, while real
// drops from new connections make the cap close others: the refused are not closed before
// the idle keep-alive connections for a pause of 150 ms.
func TestRefusalReadOnSlowLink(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir, "MAX_CONNS=8"))
	addr := logged(t, p, "addr")
	body := bytes.Repeat([]byte("w"), 1<<20)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			c := dial(t, addr)
			c.SetDeadline(time.Now().Add(20 * time.Second))
			io.WriteString(c, dropHead(int64(len(body)), false))
			for rest := body; len(rest) > 0; rest = rest[min(32<<10, len(rest)):] {
				time.Sleep(150 * time.Millisecond) // the link's round trip, not a synchronisation
				if _, err := c.Write(rest[:min(32<<10, len(rest))]); err != nil {
					t.Errorf("slow-link client %d: writing the body: %v", i, err)
					return
				}
			}
			if status, _, err := readStatus(c, 5*time.Second); status != 401 {
				t.Errorf("slow-link client %d: %d, %v; want 401", i, status, err)
			}
		})
	}
	done := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			if status, err := postDrop(fresh(), "http://"+addr+"/v1/drop", []byte("real")); status != 202 {
				t.Errorf("real drop: %d, %v; want 202", status, err)
			}
		}
	})
	time.AfterFunc(6*time.Second, func() { close(done) })
	wg.Wait()
}

// TestRefusalReadInACrowd: under MAX_CONNS=8, a client refused (no token) that writes its whole
// 1 MiB body at 320 KiB/s is never closed while refused connections that keep sending a byte
// every 50 ms arrive, one every 200 ms, and take every other slot: the cap closes the one
// refused last, not the client nearest its body's end, which reads the server's close, not a
// reset. (Its 401 is read first, so that it is refused before the others.)
func TestRefusalReadInACrowd(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir, "MAX_CONNS=8"))
	addr := logged(t, p, "addr")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(stop)
	trickle := func() { // a refused connection that keeps its body arriving
		c := dial(t, addr)
		io.WriteString(c, dropHead(10000, false))
		wg.Go(func() {
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				if _, err := c.Write([]byte("x")); err != nil {
					return
				}
			}
		})
	}
	body := bytes.Repeat([]byte("w"), 1<<20)
	c := dial(t, addr)
	c.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(c, dropHead(int64(len(body)), false))
	// Its answer, read now, says it is refused before the others arrive: whom the cap closes
	// depends on that order, which the server's scheduling would otherwise decide.
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != 401 {
		t.Fatalf("naive client's answer: %v, %v; want 401", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	for range 7 {
		trickle()
	}
	wrote := make(chan error, 1)
	go func() {
		for rest := body; len(rest) > 0; rest = rest[min(16<<10, len(rest)):] {
			time.Sleep(50 * time.Millisecond) // the client's pace, not a synchronisation
			if _, err := c.Write(rest[:min(16<<10, len(rest))]); err != nil {
				wrote <- err
				return
			}
		}
		wrote <- nil
	}()
	arrivals := time.NewTicker(200 * time.Millisecond)
	defer arrivals.Stop()
	for done := false; !done; {
		select {
		case err := <-wrote:
			if err != nil {
				t.Fatalf("writing the body: %v", err)
			}
			done = true
		case <-arrivals.C:
			trickle()
		}
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if rest, err := io.ReadAll(r); err != nil || len(rest) != 0 {
		t.Errorf("naive client among trickling refused ones, after its body: read %q, %v; want the server's close", rest, err)
	}
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
