//go:build linux || darwin

package fsstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// openStore opens a store at dir and closes it when the test ends.
func openStore(t *testing.T, dir string) *Store {
	t.Helper()
	return openStoreWith(t, dir, &hooks{})
}

// openStoreWith opens a store at dir that runs h (which the test may set later on).
func openStoreWith(t *testing.T, dir string, h *hooks) *Store {
	t.Helper()
	s, err := newStore(dir, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fsyncFaults makes the fsyncs for which fail says so fail with EIO, until the test ends, and
// counts the fsyncs of folders asked for (failed or not).
type fsyncFaults struct {
	mu          sync.Mutex
	fail        func(kind, path string) bool
	folderSyncs atomic.Int64
}

func injectFsync(t *testing.T, h *hooks) *fsyncFaults {
	t.Helper()
	f := &fsyncFaults{fail: func(string, string) bool { return false }}
	h.fsync = func(kind, path string) error {
		if kind == "folder" {
			f.folderSyncs.Add(1)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.fail(kind, path) {
			return syscall.EIO
		}
		return nil
	}
	return f
}

// set makes the fsyncs for which fail says so fail from now on.
func (f *fsyncFaults) set(fail func(kind, path string) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fail
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// TestFolderSyncFailureKeepsTheName: a link whose folder sync fails is an unknown outcome, and
// its name stays (another request may have found it); a later write of the key answers
// ErrExists only after a folder sync of its own succeeded, and a definite error when that sync
// fails too.
func TestFolderSyncFailureKeepsTheName(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "drops"))
	faults := injectFsync(t, s.hooks)
	ctx := context.Background()
	obj := ports.Object{Key: "in/a", Data: []byte("payload")}
	folder := filepath.Join(s.Dir(), "in")
	if err := s.mkdirs(folder); err != nil {
		t.Fatal(err)
	}
	failFolder := func(kind, path string) bool { return kind == "folder" && path == folder }

	faults.set(failFolder)
	err := s.Create(ctx, obj)
	if !errors.Is(err, ports.ErrUnknown) || errors.Is(err, ports.ErrExists) {
		t.Fatalf("Create with the folder's sync failing: %v, want ErrUnknown without ErrExists", err)
	}
	if !exists(filepath.Join(folder, "a")) {
		t.Fatal("the name was taken back after the failed folder sync: a request that found it would have reported it")
	}

	if _, err := s.Get(ctx, obj.Key); err == nil {
		t.Error("Get with the folder's sync failing: nil, want an error (what it returns must be durable)")
	}
	err = s.Create(ctx, obj)
	if errors.Is(err, ports.ErrExists) || err == nil {
		t.Errorf("Create of the taken key, its folder's sync failing: %v, want a definite error, not ErrExists", err)
	}

	faults.set(func(string, string) bool { return false })
	before := faults.folderSyncs.Load()
	if err := s.Create(ctx, obj); !errors.Is(err, ports.ErrExists) || errors.Is(err, ports.ErrUnknown) {
		t.Errorf("Create of the taken key: %v, want ErrExists", err)
	}
	if got := faults.folderSyncs.Load() - before; got != 1 {
		t.Errorf("%d folder syncs before ErrExists, want 1: the name must be durable before it is reported", got)
	}
	if o, err := s.Get(ctx, obj.Key); err != nil || string(o.Data) != "payload" {
		t.Errorf("Get = %q, %v; want the payload", o.Data, err)
	}
}

// TestNewFolderSyncFailure: a folder made for a key whose sync into its parent fails is a
// definite error, with nothing published; the next write syncs it again and succeeds.
func TestNewFolderSyncFailure(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "drops"))
	faults := injectFsync(t, s.hooks)
	ctx := context.Background()
	faults.set(func(kind, path string) bool { return kind == "folder" && path == s.Dir() })
	err := s.Create(ctx, ports.Object{Key: "new/a", Data: []byte("x")})
	if err == nil || errors.Is(err, ports.ErrUnknown) || errors.Is(err, ports.ErrExists) {
		t.Errorf("Create with the new folder's sync failing: %v, want a definite error", err)
	}
	if exists(filepath.Join(s.Dir(), "new", "a")) {
		t.Error("published in a folder that may not survive a crash")
	}
	faults.set(func(string, string) bool { return false })
	before := faults.folderSyncs.Load()
	if err := s.Create(ctx, ports.Object{Key: "new/a", Data: []byte("x")}); err != nil {
		t.Errorf("Create once the sync works: %v", err)
	}
	if got := faults.folderSyncs.Load() - before; got != 2 {
		t.Errorf("%d folder syncs, want 2: the new folder into its parent again, then the link", got)
	}
}

// storedRecord creates the object "rec" ("v1") in s and returns it as Get reads it back.
func storedRecord(t *testing.T, s *Store) ports.Object {
	t.Helper()
	if err := s.Create(context.Background(), ports.Object{Key: "rec", Data: []byte("v1")}); err != nil {
		t.Fatal(err)
	}
	v1, err := s.Get(context.Background(), "rec")
	if err != nil {
		t.Fatal(err)
	}
	return v1
}

// TestFileSyncFailure: a file whose fsync fails is never published, and nothing is left of it:
// a definite error, for Create (unnamed or named file) and for Replace.
func TestFileSyncFailure(t *testing.T) {
	for _, unnamed := range []bool{true, false} {
		t.Run(fmt.Sprint("unnamed=", unnamed), func(t *testing.T) {
			s := openStore(t, filepath.Join(t.TempDir(), "drops"))
			s.unnamed = s.unnamed && unnamed
			ctx := context.Background()
			v1 := storedRecord(t, s)
			faults := injectFsync(t, s.hooks)
			faults.set(func(kind, _ string) bool { return kind == "file" })
			err := s.Create(ctx, ports.Object{Key: "in/a", Data: []byte("payload")})
			if err == nil || errors.Is(err, ports.ErrUnknown) || errors.Is(err, ports.ErrExists) {
				t.Errorf("Create with the file's sync failing: %v, want a definite error", err)
			}
			if exists(filepath.Join(s.Dir(), "in", "a")) {
				t.Error("the object was published though its file's sync failed")
			}
			err = s.Replace(ctx, ports.Object{Key: "rec", Data: []byte("v2")}, v1.ETag)
			if err == nil || errors.Is(err, ports.ErrUnknown) {
				t.Errorf("Replace with the file's sync failing: %v, want a definite error", err)
			}
			faults.set(func(string, string) bool { return false })
			if o, err := s.Get(ctx, "rec"); err != nil || string(o.Data) != "v1" {
				t.Errorf("the record after the failed Replace: %q, %v; want v1", o.Data, err)
			}
			if left, _ := os.ReadDir(filepath.Join(s.Dir(), TempDir)); len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

// TestReplayOnlyWhenDurable: through the core and the HTTP face, a drop with an
// Idempotency-Key whose payload's folder sync fails is a 504 (not a 503: the name stays); a
// retry is a 202 replayed only once the name is durable, and a 503 while the sync still fails.
// The payload is stored once.
func TestReplayOnlyWhenDurable(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "drops"))
	core := facetest.Core(t, s)
	h := httpserver.NewHandler(core, httpface.NewRecorder(slog.New(slog.DiscardHandler), ""))
	post := func(key string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/v1/drop", strings.NewReader("the payload"))
		req.Header.Set("Authorization", "Bearer "+facetest.AuthToken)
		req.Header.Set(facetest.CDNHeader, "Bearer "+facetest.CDNToken)
		req.Header.Set("Content-Length", "11")
		req.Header.Set("Idempotency-Key", key)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	if w := post("warm-up"); w.Code != 202 { // makes the records' folder
		t.Fatalf("first drop: %d %s", w.Code, w.Body)
	}
	faults := injectFsync(t, s.hooks)
	payloads := func(kind, path string) bool { return kind == "folder" && path == s.Dir() }

	faults.set(payloads)
	if w := post("k"); w.Code != 504 {
		t.Fatalf("drop whose folder sync failed: %d %s, want 504 (the name stays, its durability unknown)", w.Code, w.Body)
	}
	if w := post("k"); w.Code != 503 {
		t.Errorf("retry while the folder sync fails: %d %s, want 503, never a replay of a name that may not be durable", w.Code, w.Body)
	}
	faults.set(func(string, string) bool { return false })
	w := post("k")
	if w.Code != 202 || w.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry once the folder syncs: %d %v %s, want 202 replayed", w.Code, w.Header(), w.Body)
	}
	if keys, err := s.Keys(); err != nil || len(keys) != 2 {
		t.Errorf("objects %v (%v), want the warm-up's and one more", keys, err)
	}
}

// TestSweepRemovesOnlyItsOwnFiles: at start, the sweep removes the regular files named as the
// store names its temporary files, and nothing else: not foreign files, not folders or what
// they hold, not a symlink nor its target.
func TestSweepRemovesOnlyItsOwnFiles(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "drops")
	s, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	outside := filepath.Join(root, "outside")
	write(t, outside, "keep")
	tmp := filepath.Join(dir, TempDir)
	for _, name := range []string{"put-123", "put-0123456789abcdef", "notes.txt", "put-xyz", "put-", "put-0123456789abcdef0"} {
		write(t, filepath.Join(tmp, name), "x")
	}
	write(t, filepath.Join(tmp, "put-1a", "inner"), "x")
	if err := os.Symlink(outside, filepath.Join(tmp, "put-2b")); err != nil {
		t.Fatal(err)
	}
	openStore(t, dir)
	var left []string
	entries, _ := os.ReadDir(tmp)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	want := []string{"notes.txt", "put-", "put-0123456789abcdef0", "put-1a", "put-2b", "put-xyz"}
	if !slices.Equal(left, want) {
		t.Errorf("left in %s: %v, want %v", TempDir, left, want)
	}
	if !exists(filepath.Join(tmp, "put-1a", "inner")) {
		t.Error("the sweep entered a folder it did not make")
	}
	if b, err := os.ReadFile(outside); err != nil || string(b) != "keep" {
		t.Errorf("the symlink's target: %q, %v; want it untouched", b, err)
	}
}

// TestTempDirSymlinkRefused: a TempDir that is a symlink is refused at start, and what it
// points to is untouched.
func TestTempDirSymlinkRefused(t *testing.T) {
	root := t.TempDir()
	outside := filepath.Join(root, "outside")
	write(t, filepath.Join(outside, "put-123"), "someone else's")
	dir := filepath.Join(root, "drops")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, TempDir)); err != nil {
		t.Fatal(err)
	}
	if s, err := New(dir); err == nil || !strings.Contains(err.Error(), "not a folder") {
		if s != nil {
			s.Close()
		}
		t.Fatalf("New with %s a symlink: %v, want a refusal", TempDir, err)
	}
	if left, _ := os.ReadDir(outside); len(left) != 1 {
		t.Errorf("the symlink's target holds %v, want its one file untouched", left)
	}
}

// TestSymlinksPlantedInTheStore: a symlink where a key's folder should be is refused (nothing
// is written where it points); a symlink at a key is neither an existing object nor readable
// through, nor listed.
func TestSymlinksPlantedInTheStore(t *testing.T) {
	root := t.TempDir()
	s := openStore(t, filepath.Join(root, "drops"))
	ctx := context.Background()
	outside := filepath.Join(root, "outside")
	write(t, filepath.Join(outside, "secret"), "secret")
	if err := os.Symlink(outside, filepath.Join(s.Dir(), "in")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(s.Dir(), "k")); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, ports.Object{Key: "in/a", Data: []byte("x")}); err == nil {
		t.Error("Create through a symlinked folder succeeded")
	}
	if left, _ := os.ReadDir(outside); len(left) != 1 {
		t.Errorf("written through the symlink: %v", left)
	}
	if err := s.Create(ctx, ports.Object{Key: "k", Data: []byte("x")}); err == nil || errors.Is(err, ports.ErrExists) {
		t.Errorf("Create at a symlink: %v, want a definite error, not ErrExists", err)
	}
	if o, err := s.Get(ctx, "k"); err == nil || bytes.Equal(o.Data, []byte("secret")) {
		t.Errorf("Get of a symlink: %q, %v; want an error", o.Data, err)
	}
	if keys, err := s.Keys(); err != nil || len(keys) != 0 {
		t.Errorf("Keys = %v, %v; want none", keys, err)
	}
}

// TestTempDirReplacedBySymlinkWhileRunning: a symlink planted at TempDir's path while the store
// runs is never followed: the store keeps making its temporary files through the TempDir it
// opened, writes nothing where the symlink points, and is not ready.
func TestTempDirReplacedBySymlinkWhileRunning(t *testing.T) {
	root := t.TempDir()
	s := openStore(t, filepath.Join(root, "drops"))
	ctx := context.Background()
	v1 := storedRecord(t, s)
	outside := filepath.Join(root, "outside")
	if err := os.Mkdir(outside, 0o700); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(s.Dir(), TempDir)
	if err := os.Rename(tmp, tmp+"-moved"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, tmp); err != nil {
		t.Fatal(err)
	}
	for _, unnamed := range []bool{true, false} {
		s.unnamed = s.unnamed && unnamed
		if err := s.Create(ctx, ports.Object{Key: fmt.Sprint("a-", unnamed), Data: []byte("x")}); err != nil {
			t.Errorf("Create (unnamed %v): %v", unnamed, err)
		}
	}
	if err := s.Replace(ctx, ports.Object{Key: "rec", Data: []byte("v2")}, v1.ETag); err != nil {
		t.Errorf("Replace: %v", err)
	}
	if left, _ := os.ReadDir(outside); len(left) != 0 {
		t.Errorf("written through the symlink: %v", left)
	}
	if keys, _ := s.Keys(); !slices.Equal(keys, []string{"a-false", "a-true", "rec"}) {
		t.Errorf("objects %v, want a-false, a-true and rec", keys)
	}
	if err := s.Ready(ctx); err == nil {
		t.Error("Ready with a symlink at TempDir's path: nil, want not ready")
	}
}

// TestStoreFolderRemoved: the store's folder removed under a running store is made again, by
// the readiness check or by the next write, with its lock taken anew; if another process took
// the folder meanwhile, the store is not ready and writes fail, storing nothing.
func TestStoreFolderRemoved(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "drops")
	s := openStore(t, dir)
	ctx := context.Background()
	ready := httptest.NewServer(httpserver.NewHandler(nil, httpface.NewRecorder(slog.New(slog.DiscardHandler), ""), httpserver.WithReadiness(s.Ready)))
	defer ready.Close()
	readyz := func() int {
		t.Helper()
		resp, err := http.Get(ready.URL + httpserver.ReadyPath)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if code := readyz(); code != 200 {
		t.Errorf("/readyz after the folder's removal: %d, want 200 (made again)", code)
	}
	if !exists(filepath.Join(dir, TempDir)) {
		t.Error("the folder was not made again")
	}
	if _, err := New(dir); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("a second store on the folder made again: %v, want it refused (locked anew)", err)
	}

	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, ports.Object{Key: "a/b", Data: []byte("x")}); err != nil {
		t.Errorf("Create after the folder's removal: %v, want it made again", err)
	}
	if err := s.Create(ctx, ports.Object{Key: "c", Data: []byte("x")}); err != nil {
		t.Errorf("Create at the top after the folder's removal: %v", err)
	}

	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	other := openStore(t, dir) // another process takes the folder first
	if code := readyz(); code != 503 {
		t.Errorf("/readyz with the folder taken by another store: %d, want 503", code)
	}
	if err := s.Create(ctx, ports.Object{Key: "d", Data: []byte("x")}); err == nil || errors.Is(err, ports.ErrUnknown) {
		t.Errorf("Create with the folder taken by another store: %v, want a definite error", err)
	}
	if keys, _ := other.Keys(); len(keys) != 0 {
		t.Errorf("objects %v in the other store's folder, want none", keys)
	}
}

// TestFolderRemovedUnderLoad: while many writers write into a partition folder, it (and the
// prefix folder above it) is removed again and again; each time, a write into it succeeds
// (the folders are made again, not remembered as made), and once the removals stop every
// write succeeds.
func TestFolderRemovedUnderLoad(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "drops"))
	ctx := context.Background()
	const writers, removals, maxWrites = 8, 20, 500
	stop := make(chan struct{})
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range maxWrites {
				select {
				case <-stop:
					return
				default:
				}
				if err := s.Create(ctx, ports.Object{Key: fmt.Sprintf("in/dt=1/w%d-%d", w, i), Data: []byte("x")}); err != nil {
					if failed.Add(1) < 5 {
						t.Log(err)
					}
				} else {
					ok.Add(1)
				}
			}
		})
	}
	for i := range removals {
		victim := filepath.Join(s.Dir(), "in", "dt=1")
		if i%2 == 1 {
			victim = filepath.Dir(victim)
		}
		removeUnderWriters(t, victim)
		if err := s.Create(ctx, ports.Object{Key: fmt.Sprintf("in/dt=1/r%d", i), Data: []byte("x")}); err != nil {
			t.Errorf("write after removal %d: %v", i, err)
			break
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("%d writes stored, %d failed during the removals", ok.Load(), failed.Load())
	for w := range writers {
		if err := s.Create(ctx, ports.Object{Key: fmt.Sprintf("in/dt=1/after-%d", w), Data: []byte("x")}); err != nil {
			t.Errorf("write after the removals: %v", err)
		}
	}
	if err := s.Ready(ctx); err != nil {
		t.Errorf("Ready after the removals: %v", err)
	}
}

// removeUnderWriters removes the folder at path while writers are adding files to it: it
// tries again while they do (at most 1000 times).
func removeUnderWriters(t *testing.T, path string) {
	t.Helper()
	var err error
	for range 1000 {
		if err = os.RemoveAll(path); err == nil {
			return
		}
	}
	t.Fatalf("remove %s under the writers: %v", path, err)
}

// write writes content to path, making its folders.
func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
