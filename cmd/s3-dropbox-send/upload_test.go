package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// TestUploadKilledAndRunAgain: the built command sends a 50 MiB file, too large for a drop,
// as an upload; killed (SIGKILL) midway and run again, it resumes: the file is stored once,
// whole; a third run says it is stored already and stores nothing.
func TestUploadKilledAndRunAgain(t *testing.T) {
	bin := buildCommand(t)
	srv, store, c := uploadsServer(t)
	midway := c.after(10)

	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	os.WriteFile(token, []byte(facetest.AuthToken), 0o600)
	data := make([]byte, 50<<20)
	rand.Read(data)
	file := filepath.Join(dir, "export.bin")
	os.WriteFile(file, data, 0o600)
	args := []string{"-url", srv.URL + "/v1/drop", "-token-file", token, "-H", facetest.CDNHeader + ": Bearer " + facetest.CDNToken,
		"-chunk-size", "1048576", "-state-dir", filepath.Join(dir, "state"), file}

	first := exec.Command(bin, args...)
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	<-midway
	first.Process.Kill()
	first.Wait()
	if got := visible(store); len(got) != 0 {
		t.Fatalf("after the kill, the store holds %q", got)
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "export.bin: stored") {
		t.Fatalf("the second run: %v\n%s", err, out)
	}
	keys := visible(store)
	if len(keys) != 1 {
		t.Fatalf("the store holds %q, want one object", keys)
	}
	if o, _ := store.Get(context.Background(), keys[0]); !bytes.Equal(o.Data, data) {
		t.Errorf("the object holds %d bytes, not the file's %d", len(o.Data), len(data))
	}
	if sent := c.count(); sent >= 10+50 {
		t.Errorf("%d PATCHes in all: the second run did not resume (50 from the start)", sent)
	}
	out, err = exec.Command(bin, args...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "export.bin: already stored") {
		t.Errorf("the third run: %v\n%s", err, out)
	}
	if got := visible(store); len(got) != 1 {
		t.Errorf("after the third run, the store holds %q", got)
	}
}

// patchCounter counts the PATCHes a server answered.
type patchCounter struct {
	mu      sync.Mutex
	n       int
	at      int
	reached chan struct{}
}

// after returns a channel closed once n PATCHes were answered.
func (c *patchCounter) after(n int) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at, c.reached = n, make(chan struct{})
	return c.reached
}

func (c *patchCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func (c *patchCounter) patched() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	if c.reached != nil && c.n == c.at {
		close(c.reached)
	}
}

// uploadsServer returns a server of drops and uploads (up to 64 MiB) over a memory store, and
// what counts its PATCHes.
func uploadsServer(t *testing.T) (*httptest.Server, *memstore.Store, *patchCounter) {
	t.Helper()
	core, store := facetest.MemCore(t)
	u, err := domain.NewUploads(core, store, domain.UploadConfig{MaxBytes: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	h := httpserver.NewHandler(core, httpface.NewRecorder(slog.New(slog.DiscardHandler), ""),
		httpserver.WithUploads(u, httpserver.UploadOptions{UploadFace: httpface.UploadFace{MaxBytes: 64 << 20}, PartSize: store.UploadPartSize()}))
	c := &patchCounter{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if r.Method == http.MethodPatch {
			c.patched()
		}
	}))
	t.Cleanup(srv.Close)
	return srv, store, c
}

func visible(store *memstore.Store) []string {
	var out []string
	for _, k := range store.Keys() {
		if !strings.HasPrefix(k, ".") {
			out = append(out, k)
		}
	}
	return out
}
