package e2e

import (
	"io"
	"strings"
	"testing"
)

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
