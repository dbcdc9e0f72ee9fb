package e2e

import (
	"bytes"
	"io"
	"slices"
	"sync"
	"testing"
	"time"
)

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
