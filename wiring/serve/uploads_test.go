package serve_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
	"github.com/s3-dropbox/s3-dropbox/wiring"
	"github.com/s3-dropbox/s3-dropbox/wiring/serve"
)

// TestRunServesUploads: the server as its settings assemble it, with MAX_UPLOAD_BYTES and a
// folder, offers uploads (OPTIONS /v1/uploads, without a token); with a memory budget that
// cannot hold one PATCH it does not start.
func TestRunServesUploads(t *testing.T) {
	auth, err := domain.ParseCredentials(domain.TokenDigest("client-token-for-the-uploads-test"))
	if err != nil {
		t.Fatal(err)
	}
	cdn, err := domain.ParseCredentials(domain.TokenDigest("cdn-token-for-the-uploads-test"))
	if err != nil {
		t.Fatal(err)
	}
	addr := porttest.FreeAddr(t)
	cfg := wiring.ServerSettings{
		CoreSettings: wiring.CoreSettings{AuthToken: auth, CDNToken: cdn, CDNHeaderName: "x-cdn", MaxBodyBytes: 10240, IdempotencyTTL: wiring.Duration(time.Hour)},
		Addr:         addr, Storage: wiring.StorageFilesystem, StorageDir: filepath.Join(t.TempDir(), "drops"),
		MaxInflightBytes: 1 << 20,
	}
	cfg.MaxUploadBytes, cfg.UploadTTL = 1<<30, wiring.Duration(24*time.Hour)
	small := cfg
	small.StorageDir = filepath.Join(t.TempDir(), "small")
	if err := serve.Run(context.Background(), small, io.Discard, io.Discard, nil); err == nil || !strings.Contains(err.Error(), "MAX_INFLIGHT_BYTES") {
		t.Errorf("a budget of 1 MiB for 1 MiB parts: %v, want MAX_INFLIGHT_BYTES refused", err)
	}
	two := small
	two.StorageDir, two.MaxInflightBytes = filepath.Join(t.TempDir(), "two"), 3<<20 // a PATCH of 2 MiB, not two
	if two.AuthToken, err = domain.ParseCredentials("alice:" + domain.TokenDigest("alice-token-for-the-uploads-test") + ",bob:" + domain.TokenDigest("bob-token-for-the-uploads-test")); err != nil {
		t.Fatal(err)
	}
	if err := serve.Run(context.Background(), two, io.Discard, io.Discard, nil); err == nil || !strings.Contains(err.Error(), "more than one AUTH_TOKEN entry") {
		t.Errorf("a budget of 3 MiB for two clients' 2 MiB PATCHes: %v, want MAX_INFLIGHT_BYTES refused", err)
	}
	cfg.MaxInflightBytes = 32 << 20
	ctx, cancel := context.WithCancel(context.Background())
	configured := &signalWriter{word: `"configured"`, seen: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- serve.Run(ctx, cfg, configured, io.Discard, nil) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	select {
	case <-configured.seen: // logged once it listens
	case err := <-done:
		t.Fatalf("Run: %v", err)
	}
	req, _ := http.NewRequest("OPTIONS", "http://"+addr+"/v1/uploads", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Tus-Max-Size") != "1073741824" || resp.Header.Get("Tus-Version") != "1.0.0" {
		t.Errorf("OPTIONS /v1/uploads: %d %v", resp.StatusCode, resp.Header)
	}
}

// signalWriter closes seen once a write holds word.
type signalWriter struct {
	word string
	seen chan struct{}
	once sync.Once
}

func (w *signalWriter) Write(p []byte) (int, error) {
	if strings.Contains(string(p), w.word) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}
