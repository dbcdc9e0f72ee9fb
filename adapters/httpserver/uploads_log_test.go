package httpserver_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// lockedBuffer is a log sink the handler's goroutines may write at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(l.b.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// TestUploadLogLines: through the server, an upload's requests are logged as uploads, each
// with its operation and outcome (create ok, patch ok, the PATCH that completes it complete
// stored, a HEAD after it head replayed, a PATCH at a wrong offset patch rejected), its offset
// and length, never as a drop and never with a token.
func TestUploadLogLines(t *testing.T) {
	store := memstore.New()
	core := facetest.Core(t, store)
	u, err := domain.NewUploads(core, store, domain.UploadConfig{MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	rec := httpface.Recorder{Log: slog.New(slog.NewJSONHandler(&logs, nil))}
	opts := httpserver.UploadOptions{PartSize: store.UploadPartSize()}
	opts.MaxBytes = u.MaxBytes()
	srv := httptest.NewServer(httpserver.NewHandler(core, rec, httpserver.WithUploads(u, opts)))
	t.Cleanup(srv.Close)

	created := tusRequest(t, "POST", srv.URL+"/v1/uploads", facetest.AuthToken, nil, "Upload-Length", "200")
	loc := srv.URL + created.Header.Get("Location")
	patch := func(off string) { // 100 bytes at off
		tusRequest(t, "PATCH", loc, facetest.AuthToken, bytes.Repeat([]byte("x"), 100), "Content-Type", "application/offset+octet-stream", "Upload-Offset", off)
	}
	patch("0")
	patch("50")
	patch("100")
	tusRequest(t, "HEAD", loc, facetest.AuthToken, nil)

	want := []struct {
		operation, outcome string
		offset             float64
	}{{"create", "not_stored", 0}, {"patch", "not_stored", 100}, {"patch", "refused", 100}, {"complete", "stored", 200}, {"head", "replayed", 200}}
	lines := logs.lines(t)
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d: %v", len(lines), len(want), lines)
	}
	for i, w := range want {
		l := lines[i]
		if l["msg"] != "upload" || l["operation"] != w.operation || l["outcome"] != w.outcome || l["offset"] != w.offset || l["length"] != 200.0 {
			t.Errorf("line %d: %v; want an upload line, %s %s at offset %v of 200", i, l, w.operation, w.outcome, w.offset)
		}
	}
	if s := logs.b.String(); strings.Contains(s, facetest.AuthToken) || strings.Contains(s, facetest.CDNToken) || strings.Contains(s, `"msg":"drop"`) {
		t.Errorf("the lines hold a token or a drop's line: %s", s)
	}
}
