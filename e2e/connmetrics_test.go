package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestConnectionMetrics: with MAX_CONNS=8 and eight connections open (silent), a ninth finds
// the cap reached: /metrics says 8 open of 8 and counts one newcomer that found it full (a
// silent one was closed to make room: it did not wait).
func TestConnectionMetrics(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir, "METRICS_ADDR=127.0.0.1:0", "MAX_CONNS=8"))
	addr := logged(t, p, "addr")
	metrics := "http://" + logged(t, p, "metrics_addr") + "/metrics"
	scrape := func() string {
		t.Helper()
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(metrics)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	for range 8 {
		dial(t, addr)
	}
	pollUntil(t, 5*time.Second, func() bool { return strings.Contains(scrape(), "s3dropbox_connections_open 8\n") })
	c := dial(t, addr) // the ninth: a silent one is closed for it, after a second
	io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	if status, _, err := readStatus(c, 5*time.Second); status != 200 {
		t.Fatalf("the ninth connection's probe: %d, %v", status, err)
	}
	text := scrape()
	for _, want := range []string{"s3dropbox_connections_max 8\n", "s3dropbox_connections_full_total 1\n", "s3dropbox_connections_waited_total 0\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
