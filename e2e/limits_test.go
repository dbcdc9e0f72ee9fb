package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// The bound below (2 s) is measured over the real server process: it is the property checked (a
// client is served now, not after IdleTimeout), kept deliberately in this load test, unlike
// unit tests, which wait on signals.

// fsEnv is a filesystem server's environment with the test tokens.
func fsEnv(dir string, extra ...string) []string {
	return append([]string{
		"ADDR=127.0.0.1:0", "STORAGE=filesystem", "STORAGE_DIR=" + filepath.Join(dir, "drops"),
		"AUTH_TOKEN=" + domain.TokenDigest(facetest.AuthToken),
		"CDN_TOKEN=" + domain.TokenDigest(facetest.CDNToken),
		"CDN_TOKEN_HTTP_HEADER_NAME=" + facetest.CDNHeader,
	}, extra...)
}

// logged returns a field of the server's "configured" line.
func logged(t *testing.T, p *process, field string) string {
	t.Helper()
	m := regexp.MustCompile(`"` + field + `":"([^"]*)"`).FindStringSubmatch(p.stdout.String())
	if m == nil {
		t.Fatalf("no %s in %s", field, p.stdout)
	}
	return m[1]
}

func postDrop(client *http.Client, url string, payload []byte) (int, error) {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(payload))
	req.Header.Set("Authorization", "Bearer "+facetest.AuthToken)
	req.Header.Set(facetest.CDNHeader, "Bearer "+facetest.CDNToken)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestIdleConnectionsCannotLockOut: the server under a limit of 256 descriptors, with 300 idle
// keep-alive connections and 100 silent ones held against it, answers a new client's drop
// within 2 s.
func TestIdleConnectionsCannotLockOut(t *testing.T) {
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("prlimit (util-linux) is missing")
		}
		t.Skip("skipped: prlimit (util-linux) is missing")
	}
	dir := t.TempDir()
	p, _ := startUnder(t, []string{prlimit, "--nofile=256:256", "--"}, dir, fsEnv(dir))
	url := "http://" + logged(t, p, "addr")
	var held []*http.Transport
	for range 300 {
		tr := &http.Transport{}
		resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get(url + "/healthz")
		if err != nil {
			t.Fatalf("idle connection %d: %v", len(held), err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		held = append(held, tr)
	}
	var silent []net.Conn
	for range 100 {
		c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		silent = append(silent, c)
	}
	defer func() {
		for _, tr := range held {
			tr.CloseIdleConnections()
		}
		for _, c := range silent {
			c.Close()
		}
	}()
	start := time.Now()
	status, err := postDrop(&http.Client{Timeout: 10 * time.Second}, url+"/v1/drop", []byte("a new client"))
	if err != nil || status != 202 || time.Since(start) > 2*time.Second {
		t.Errorf("new client: %d, %v after %v; want 202 within 2 s", status, err, time.Since(start))
	}
}

// MemoryBound is the documented bound on the server's peak RSS with the default
// MAX_INFLIGHT_BYTES (32 MiB), whatever the load.
const MemoryBound = 128 << 20

// TestMemoryBound: 64 concurrent drops of 6 MiB (the largest limit) keep the server's peak RSS
// under MemoryBound: drops beyond the budget of bytes in flight are 503 (nothing stored), the
// others stored whole.
func TestMemoryBound(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir, "MAX_BODY_BYTES=6291456"))
	url := "http://" + logged(t, p, "addr") + "/v1/drop"
	const clients = 64
	payload := bytes.Repeat([]byte("m"), 6291456)
	statuses := make([]int, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			statuses[i], _ = postDrop(&http.Client{Timeout: 60 * time.Second}, url, payload)
		})
	}
	wg.Wait()
	stored, busy := 0, 0
	for _, s := range statuses {
		switch s {
		case 202:
			stored++
		case 503:
			busy++
		default:
			t.Errorf("status %d, want 202 or 503", s)
		}
	}
	peak := peakRSS(t, p.cmd.Process.Pid)
	t.Logf("64 drops of 6 MiB: %d stored, %d busy (503); peak RSS %.1f MiB", stored, busy, float64(peak)/(1<<20))
	if peak > MemoryBound {
		t.Errorf("peak RSS %d bytes, over the documented %d", peak, MemoryBound)
	}
	if got := len(files(t, dir)); got != stored {
		t.Errorf("%d files, want the %d drops answered 202", got, stored)
	}
	if stored == 0 {
		t.Error("nothing stored: the budget should let some drops through")
	}
}

// peakRSS reads a process's peak resident set (VmHWM) from /proc.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("skipped: no /proc: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}

// TestPrometheus: with METRICS_ADDR, /metrics on that listener counts what the request lines
// say, with the Go and process metrics; the drop listener does not serve it.
func TestPrometheus(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir, "METRICS_ADDR=127.0.0.1:0"))
	url := "http://" + logged(t, p, "addr")
	metrics := "http://" + logged(t, p, "metrics_addr") + "/metrics"
	client := &http.Client{Timeout: 10 * time.Second}
	for range 3 {
		if s, err := postDrop(client, url+"/v1/drop", []byte("counted")); s != 202 {
			t.Fatalf("drop: %d, %v", s, err)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/drop", strings.NewReader("x"))
	req.Header.Set("Authorization", "Bearer wrong")
	req.Header.Set(facetest.CDNHeader, "Bearer "+facetest.CDNToken)
	resp, _ := client.Do(req)
	resp.Body.Close()
	if resp, err := client.Get(url + "/metrics"); err != nil || resp.StatusCode != 404 {
		t.Errorf("/metrics on the drop listener: %v, %v; want 404 (not the drop path)", resp.StatusCode, err)
	}

	resp, err := client.Get(metrics)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(body)
	for _, want := range []string{
		`s3dropbox_drops_total{client="` + domain.DefaultClient + `",outcome="stored",reason=""} 3`,
		`s3dropbox_drops_total{client="",outcome="refused",reason="unauthorized_auth"} 1`,
		`s3dropbox_payload_bytes_count 3`,
		`s3dropbox_payload_bytes_sum 21`,
		`s3dropbox_storage_duration_seconds_count{outcome="stored"} 3`,
		`s3dropbox_request_duration_seconds_count 5`,
		`s3dropbox_inflight_requests 0`,
		`go_goroutines `,
		`process_resident_memory_bytes `,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// The same counts as the request lines.
	lines := p.stdout.String()
	if n := strings.Count(lines, `"outcome":"stored"`); n != 3 {
		t.Errorf("%d stored lines, want 3 as counted", n)
	}
}
