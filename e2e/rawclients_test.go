package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The server's edge attacked over real HTTP: each test is one way a client could take the
// service from the others, or fail to read its answer.

// dialSmallWindow opens a connection to addr whose receive buffer is as small as the kernel
// allows: a client that never reads fills it, and then the server's send buffer, with little.
func dialSmallWindow(t *testing.T, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 2048) })
		if err != nil {
			return err
		}
		return serr
	}}
	c, err := d.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// sendQueues returns the bytes waiting in the send queues of the established connections
// the server at addr (an IPv4 address) holds, by peer (/proc/net/tcp).
func sendQueues(t *testing.T, addr string) map[string]int {
	t.Helper()
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Skipf("skipped: no /proc/net/tcp: %v", err)
	}
	_, port, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(port)
	local := fmt.Sprintf(":%04X", n)
	q := map[string]int{}
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 5 || !strings.HasSuffix(f[1], local) || f[3] != "01" { // 01: established
			continue
		}
		tx, _, _ := strings.Cut(f[4], ":")
		v, _ := strconv.ParseInt(tx, 16, 64)
		q[f[2]] = int(v)
	}
	return q
}

// chunked returns body in chunked transfer coding, in chunks of size bytes, with its end.
func chunked(body []byte, size int) []byte {
	var b bytes.Buffer
	for len(body) > 0 {
		n := min(size, len(body))
		fmt.Fprintf(&b, "%x\r\n%s\r\n", n, body[:n])
		body = body[n:]
	}
	b.WriteString("0\r\n\r\n")
	return b.Bytes()
}

// chunkedHead is dropHead for a chunked body, without a length.
func chunkedHead(authorized bool, extra ...string) string {
	h := dropHead(0, authorized, append([]string{"Transfer-Encoding: chunked"}, extra...)...)
	return strings.Replace(h, "Content-Length: 0\r\n", "", 1)
}

// pollUntil polls cond until it holds, failing the test after d. It is for what the kernel
// holds (a socket's send queue), which sends no signal; the server's own output is awaited
// with output.when.
func pollUntil(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(d); !cond(); {
		if time.Now().After(end) {
			t.Fatalf("not so after %v", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readWhole reads one response from c, its body whole, within d, and returns its status.
func readWhole(c net.Conn, d time.Duration) (int, error) {
	c.SetReadDeadline(time.Now().Add(d))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err != nil {
		return resp.StatusCode, fmt.Errorf("reading the body: %w", err)
	}
	return resp.StatusCode, nil
}

// heads opens conns connections to addr, 16 at a time, sends head on each (leaving it open)
// and returns how many read each status within 5 s (0: none read).
func heads(t *testing.T, addr, head string, conns int) map[int]int {
	t.Helper()
	statuses := make(chan int, conns)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := w; i < conns; i += 16 {
				c := dial(t, addr)
				io.WriteString(c, head)
				status, _, _ := readStatus(c, 5*time.Second)
				statuses <- status
			}
		})
	}
	wg.Wait()
	close(statuses)
	got := map[int]int{}
	for s := range statuses {
		got[s]++
	}
	return got
}
