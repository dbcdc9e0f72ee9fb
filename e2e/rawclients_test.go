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

	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
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
