//go:build linux || darwin

package fsstore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/fsstore"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/storetest"
)

func newStore(t *testing.T) *fsstore.Store {
	t.Helper()
	return newStoreAt(t, filepath.Join(t.TempDir(), "drops"))
}

func keys(t *testing.T, s *fsstore.Store) []string {
	t.Helper()
	k, err := s.Keys()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestContract(t *testing.T) { storetest.Run(t, harness) }

func TestIdempotency(t *testing.T) { storetest.RunIdempotency(t, harness) }

func harness(t *testing.T) storetest.Harness {
	s := newStore(t)
	return storetest.Harness{
		Store: s,
		Keys:  func(t *testing.T) []string { return keys(t, s) },
	}
}

// TestPermissionsAndNoLeftovers: folders 0700, files 0600, no temporary file left behind.
func TestPermissionsAndNoLeftovers(t *testing.T) {
	s := newStore(t)
	for _, k := range []string{"2026-11-28T21:14:07.000001-a", "drops/dt=2026-11-28/2026-11-28T21:14:07.000002-b"} {
		if err := s.Create(context.Background(), ports.Object{Key: k, Data: []byte("x"), ContentType: "text/plain"}); err != nil {
			t.Fatal(err)
		}
	}
	// A refused Create leaves nothing either.
	if err := s.Create(context.Background(), ports.Object{Key: "2026-11-28T21:14:07.000001-a", Data: []byte("y")}); !errors.Is(err, ports.ErrExists) {
		t.Fatalf("second Create: %v, want ports.ErrExists", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Create(ctx, ports.Object{Key: "c", Data: []byte("z")}); err == nil {
		t.Fatal("Create with a cancelled context succeeded")
	}
	err := filepath.WalkDir(s.Dir(), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, _ := d.Info()
		want := os.FileMode(0o600)
		if d.IsDir() {
			want = 0o700 | os.ModeDir
		}
		if info.Mode() != want {
			t.Errorf("%s: mode %v, want %v", path, info.Mode(), want)
		}
		if filepath.Base(filepath.Dir(path)) == fsstore.TempDir {
			t.Errorf("temporary file left: %s", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(t, s); len(got) != 2 {
		t.Errorf("keys = %v, want the two stored", got)
	}
}

func TestKeysThatLeaveTheFolderAreRefused(t *testing.T) {
	s := newStore(t)
	for _, k := range []string{"", "../escape", "a/../../escape", "/abs", "a//b", ".tmp/x", "a/./b", "nul\x00"} {
		if err := s.Create(context.Background(), ports.Object{Key: k, Data: []byte("x")}); err == nil {
			t.Errorf("Create(%q) succeeded, want an error", k)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(s.Dir()), "escape")); err == nil {
		t.Error("a file was written outside the folder")
	}
}

func TestNewCreatesFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	s, err := fsstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("folder: %v, %v; want one with mode 0700", info, err)
	}
}

// TestOneProcessPerFolder: a second store on a folder in use is refused at start; once the
// first is closed, the folder can be opened again.
func TestOneProcessPerFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "drops")
	first, err := fsstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fsstore.New(dir); err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Errorf("second New on a folder in use: %v, want a refusal", err)
	}
	first.Close()
	again, err := fsstore.New(dir)
	if err != nil {
		t.Fatalf("New after Close: %v", err)
	}
	again.Close()
}

// TestSweepsLeftovers: what a crash left in the temporary folder is removed at start, and
// only that: objects and records stay.
func TestSweepsLeftovers(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "drops")
	s, err := fsstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, k := range []string{"kept", domain.RecordPrefix + "rec"} {
		if err := s.Create(ctx, ports.Object{Key: k, Data: []byte(k)}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	for _, name := range []string{"put-123", "put-456"} {
		if err := os.WriteFile(filepath.Join(dir, fsstore.TempDir, name), []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s = newStoreAt(t, dir)
	if left, _ := os.ReadDir(filepath.Join(dir, fsstore.TempDir)); len(left) != 0 {
		t.Errorf("left after start: %v", left)
	}
	for _, k := range []string{"kept", domain.RecordPrefix + "rec"} {
		if o, err := s.Get(ctx, k); err != nil || string(o.Data) != k {
			t.Errorf("Get(%q) after the sweep: %q, %v", k, o.Data, err)
		}
	}
}

func newStoreAt(t *testing.T, dir string) *fsstore.Store {
	t.Helper()
	s, err := fsstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
