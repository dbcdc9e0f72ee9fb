package e2e

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"testing"
	"time"
)

// TestBodyBudgetStallNearTheEnd: five authorized 6 MiB bodies sent fast but for their last byte,
// then stalled (the pace they earned would let them wait to ReadTimeout, 30 s, holding the
// whole 32 MiB budget), are each answered 408 within 2 s of their pause and a little; a real
// 4 MiB drop then is 202, not 503 busy.
func TestBodyBudgetStallNearTheEnd(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir, "MAX_BODY_BYTES=6291456"))
	addr := logged(t, p, "addr")
	almost := bytes.Repeat([]byte("s"), 6<<20-1)
	var wg sync.WaitGroup
	for i := range 5 {
		c := dial(t, addr)
		wg.Go(func() {
			io.WriteString(c, dropHead(6<<20, true))
			c.Write(almost)
			paused := time.Now()
			status, _, err := readStatus(c, 10*time.Second)
			if took := time.Since(paused); status != 408 || took > 3500*time.Millisecond {
				t.Errorf("body %d, a byte short and stalled: %d, %v after %v; want 408 within 3.5 s", i, status, err, took)
			}
		})
	}
	wg.Wait()
	if status, err := postDrop(fresh(), "http://"+addr+"/v1/drop", bytes.Repeat([]byte("r"), 4<<20)); status != 202 {
		t.Errorf("real 4 MiB drop after them: %d, %v; want 202", status, err)
	}
}

// TestBodyBudgetAtTheMinimumPace: five authorized 6 MiB bodies sent at 16 KiB a second (above
// the minimum pace, 8 KiB/s, but far too slow to arrive within 30 s) are each answered 408
// once they fall behind the pace their length needs, within 5 s, rather than holding the whole
// 32 MiB budget (every other large drop 503) until ReadTimeout; a real 4 MiB drop then is 202.
func TestBodyBudgetAtTheMinimumPace(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir, "MAX_BODY_BYTES=6291456"))
	addr := logged(t, p, "addr")
	var wg sync.WaitGroup
	for i := range 5 {
		c := dial(t, addr)
		io.WriteString(c, dropHead(6<<20, true))
		begin := time.Now()
		answered := make(chan struct{})
		wg.Go(func() { // 4 KiB every 250 ms, until answered
			tick := time.NewTicker(250 * time.Millisecond)
			defer tick.Stop()
			for {
				if _, err := c.Write(bytes.Repeat([]byte("p"), 4<<10)); err != nil {
					return
				}
				select {
				case <-answered:
					return
				case <-tick.C:
				}
			}
		})
		wg.Go(func() {
			defer close(answered)
			status, _, err := readStatus(c, 6*time.Second)
			if took := time.Since(begin); status != 408 || took > 5*time.Second {
				t.Errorf("body %d at 16 KiB/s: %d, %v after %v; want 408 within 5 s", i, status, err, took)
			}
		})
	}
	wg.Wait()
	if status, err := postDrop(fresh(), "http://"+addr+"/v1/drop", bytes.Repeat([]byte("r"), 4<<20)); status != 202 {
		t.Errorf("real 4 MiB drop after them: %d, %v; want 202", status, err)
	}
}

// TestBodiesReadOutsideTheHandler: requests whose body net/http itself would read, as an
// active request the cap cannot close (OPTIONS *, answered by net/http; a request the metrics
// listener's mux refuses, whose body it reads before the answer, up to 256 KiB; an Expect it
// does not know, answered 417 before the handler, the body read after), 4,000 bytes
// declared, 3 sent, and then nothing: eight on the drop listener with MAX_CONNS=8, and eight on
// the metrics listener (its cap), each read their whole answer within a second (404, not the drop path; 400 on
// the metrics listener, which reads no body; 417), and lock nobody out: a real drop is a 202, and a scrape a 200, within a second.
func TestBodiesReadOutsideTheHandler(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir, "MAX_CONNS=8", "METRICS_ADDR=127.0.0.1:0"))
	addr, metrics := logged(t, p, "addr"), logged(t, p, "metrics_addr")
	tests := []struct {
		name, addr, head string
		want             int
	}{
		{"OPTIONS * on the drop listener", addr, "OPTIONS * HTTP/1.1\r\nHost: x\r\nContent-Length: 4000\r\n\r\n", 404},
		{"POST /metrics", metrics, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 4000\r\n\r\n", 400},
		{"OPTIONS * on the metrics listener", metrics, "OPTIONS * HTTP/1.1\r\nHost: x\r\nContent-Length: 4000\r\n\r\n", 400},
		{"Expect: foo on the drop listener", addr, "POST /v1/drop HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nContent-Length: 4000\r\n\r\n", 417},
		{"Expect: foo on the metrics listener", metrics, "GET /metrics HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nContent-Length: 4000\r\n\r\n", 417},
	}
	for _, tt := range tests {
		for i := range 8 {
			c := dial(t, tt.addr)
			io.WriteString(c, tt.head+"abc")
			if status, err := readWhole(c, time.Second); status != tt.want || err != nil {
				t.Fatalf("%s, slow body %d: %d, %v; want %d, whole, within a second", tt.name, i, status, err, tt.want)
			}
		}
		begin := time.Now()
		if status, err := postDrop(fresh(), "http://"+addr+"/v1/drop", []byte("real")); status != 202 || time.Since(begin) > time.Second {
			t.Errorf("real drop beside 8 of %s: %d, %v after %v; want 202 within a second", tt.name, status, err, time.Since(begin))
		}
		begin = time.Now()
		resp, err := fresh().Get("http://" + metrics + "/metrics")
		if err != nil || resp.StatusCode != 200 || time.Since(begin) > time.Second {
			t.Errorf("scrape beside 8 of %s: %v after %v; want 200 within a second", tt.name, err, time.Since(begin))
		}
		if err == nil {
			resp.Body.Close()
		}
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
