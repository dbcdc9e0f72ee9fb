package httpserver_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// TusClientVersion is the tus-js-client the tests run: the reference browser and Node client.
const TusClientVersion = "4.3.1"

var tusClientOnce struct {
	sync.Once
	dir string
	err error
}

// tusClient returns the folder of tus-js-client's module, installed with npm once into the
// user's cache folder. Without node and npm the test is skipped, but in CI (CI set), where it
// fails.
func tusClient(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required in CI to run tus-js-client: %v", tool, err)
			}
			t.Skipf("%s not found: the tus-js-client test needs node and npm", tool)
		}
	}
	tusClientOnce.Do(func() {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		dir := filepath.Join(cache, "s3-dropbox-test", "tus-js-client-"+TusClientVersion)
		mod := filepath.Join(dir, "node_modules", "tus-js-client")
		if _, err := os.Stat(filepath.Join(mod, "package.json")); err == nil {
			tusClientOnce.dir = mod
			return
		}
		if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
			tusClientOnce.err = err
			return
		}
		tmp, err := os.MkdirTemp(filepath.Dir(dir), "install-")
		if err != nil {
			tusClientOnce.err = err
			return
		}
		defer os.RemoveAll(tmp)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "npm", "install", "--prefix", tmp, "--no-audit", "--no-fund", "--no-save", "tus-js-client@"+TusClientVersion)
		if out, err := cmd.CombinedOutput(); err != nil {
			tusClientOnce.err = &installError{err: err, out: string(out)}
			return
		}
		if err := os.Rename(tmp, dir); err != nil && !os.IsExist(err) {
			if _, serr := os.Stat(filepath.Join(mod, "package.json")); serr != nil {
				tusClientOnce.err = err
				return
			}
		}
		tusClientOnce.dir = mod
	})
	if err := tusClientOnce.err; err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("npm install tus-js-client@%s: %v", TusClientVersion, err)
		}
		t.Skipf("npm install tus-js-client@%s failed (no registry?): %v", TusClientVersion, err)
	}
	return tusClientOnce.dir
}

type installError struct {
	err error
	out string
}

func (e *installError) Error() string { return e.err.Error() + ": " + e.out }

// tusRun is one run of testdata/tus/upload.js; its lines.
type tusRun struct {
	Module           string            `json:"module"`
	Endpoint         string            `json:"endpoint"`
	File             string            `json:"file,omitempty"`
	Size             int               `json:"size,omitempty"`
	Headers          map[string]string `json:"headers"`
	ChunkSize        int               `json:"chunkSize"`
	Metadata         map[string]string `json:"metadata,omitempty"`
	UploadURL        string            `json:"uploadUrl,omitempty"`
	AbortAfterChunks int               `json:"abortAfterChunks,omitempty"`
}

func (r tusRun) lines(t *testing.T) []string {
	t.Helper()
	arg, _ := json.Marshal(r)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "node", filepath.Join("testdata", "tus", "upload.js"), string(arg)).CombinedOutput()
	if err != nil {
		t.Fatalf("node upload.js: %v\n%s", err, out)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// TusTarget is a server with uploads, and what its store holds.
type TusTarget struct {
	URL string
	// Visible returns the keys a consumer of drops sees.
	Visible func(t *testing.T) []string
	// Store is where the server keeps the finished objects.
	Store ports.ObjectStore
}

// serveUploads serves drops and uploads over store (which keeps their bytes too) on a real
// httpserver.Server, with the default client and bob, uploads up to limit bytes.
func serveUploads(t *testing.T, store ports.ObjectStore, limit int64) string {
	t.Helper()
	core := facetest.Core(t, store, func(c *domain.Config) {
		c.AuthTokens = append(c.AuthTokens, domain.Credential{Name: "bob", Digest: sha256.Sum256([]byte(bobToken))})
	})
	us := store.(ports.UploadStore)
	u, err := domain.NewUploads(core, us, domain.UploadConfig{MaxBytes: limit})
	if err != nil {
		t.Fatal(err)
	}
	h := httpserver.NewHandler(core, quiet(), httpserver.WithUploads(u, httpserver.UploadOptions{UploadFace: httpface.UploadFace{MaxBytes: limit}, PartSize: us.UploadPartSize()}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- (&httpserver.Server{Handler: h, Log: slog.New(slog.DiscardHandler)}).Serve(ctx, ln)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return "http://" + ln.Addr().String()
}

// tusRefusals runs tus-js-client as run does, without a token, without the CDN header and
// over the limit: each must end in its refusal.
func tusRefusals(t *testing.T, run tusRun, limit int64) {
	t.Helper()
	noToken := run
	noToken.Headers = map[string]string{facetest.CDNHeader: "Bearer " + facetest.CDNToken}
	noCDN := run
	noCDN.Headers = map[string]string{"authorization": "Bearer " + facetest.AuthToken}
	tooLarge := run
	tooLarge.File, tooLarge.Size = "", int(limit)+1
	for _, tt := range []struct {
		name string
		run  tusRun
		want string
	}{
		{"no token", noToken, "error 401 "},
		{"no CDN header", noCDN, "error 401 "},
		{"over the limit", tooLarge, "error 413 "},
	} {
		if got := tt.run.lines(t); !strings.HasPrefix(got[len(got)-1], tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// RunTusClient uploads 13 MiB with tus-js-client in 5 MiB chunks, aborts it after the first
// and resumes it, then checks what the store holds; and the refusals.
func RunTusClient(t *testing.T, target TusTarget, limit int64) {
	mod := tusClient(t)
	const chunk = 5 << 20
	data := make([]byte, 13<<20)
	rand.Read(data)
	file := filepath.Join(t.TempDir(), "export.csv")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	alice := map[string]string{"authorization": "Bearer " + facetest.AuthToken, facetest.CDNHeader: "Bearer " + facetest.CDNToken}
	bob := map[string]string{"authorization": "Bearer " + bobToken, facetest.CDNHeader: "Bearer " + facetest.CDNToken}
	run := tusRun{Module: mod, Endpoint: target.URL + "/v1/uploads", File: file, Headers: alice, ChunkSize: chunk,
		Metadata: map[string]string{"filename": "export.csv", "filetype": "text/csv"}}

	first := run
	first.AbortAfterChunks = 1
	lines := first.lines(t)
	last := lines[len(lines)-1]
	var url string
	if f := strings.Fields(last); len(f) == 3 && f[0] == "aborted" && f[2] == "5242880" {
		url = f[1]
	} else {
		t.Fatalf("the first run: %q, want aborted after 5242880 bytes", lines)
	}
	if got := target.Visible(t); len(got) != 0 {
		t.Fatalf("after a chunk, consumers see %q", got)
	}
	other := run
	// No endpoint: tus-js-client would create a new upload of its own after the 404.
	other.UploadURL, other.Headers, other.Endpoint = url, bob, ""
	if got := other.lines(t); !strings.HasPrefix(got[len(got)-1], "error 404 ") {
		t.Errorf("another client resuming the upload: %q, want error 404", got)
	}
	resume := run
	resume.UploadURL = url
	lines = resume.lines(t)
	if want := []string{"chunk 10485760", "chunk 13631488", "done " + url}; strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Fatalf("the resumed run: %q, want %q (resumed at 5 MiB)", lines, want)
	}
	keys := target.Visible(t)
	if len(keys) != 1 {
		t.Fatalf("consumers see %q, want one object", keys)
	}
	o, err := target.Store.Get(context.Background(), keys[0])
	if err != nil {
		t.Fatal(err)
	}
	got, sum := o.Data, o.SHA256
	if !bytes.Equal(got, data) || sum != sha256.Sum256(data) {
		t.Errorf("the object holds %d bytes (SHA-256 %x), want the %d uploaded (%x)", len(got), sum, len(data), sha256.Sum256(data))
	}

	tusRefusals(t, run, limit)
	if got := target.Visible(t); len(got) != 1 {
		t.Errorf("after the refusals, consumers see %q, want the one object", got)
	}
}
