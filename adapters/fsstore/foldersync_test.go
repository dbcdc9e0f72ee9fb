//go:build linux || darwin

package fsstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// TestStaleFolderCache: a folder removed under the store and made again by one write is
// not durable until its parent is synced. A second write that remembered the folder as
// durable (from before the removal) and links into the new folder while that parent sync is
// pending must not answer "stored": if the parent sync then fails, a crash takes the folder,
// and the object with it.
func TestStaleFolderCache(t *testing.T) {
	t.Run("B links", func(t *testing.T) { staleFolderCache(t, false) })
	t.Run("B finds its key taken", func(t *testing.T) { staleFolderCache(t, true) })
}

// staleFolderCache is TestStaleFolderCache; with taken, the key B writes is taken (by a
// write into the folder made again) when B links, and B must not answer ErrExists (a replay).
func staleFolderCache(t *testing.T, taken bool) {
	s := openStore(t, filepath.Join(t.TempDir(), "drops"))
	ctx := context.Background()
	if err := s.Create(ctx, ports.Object{Key: "d/first", Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(s.Dir(), "d")); err != nil {
		t.Fatal(err)
	}

	// B stops at its first step, after it found "d" in what it remembers as durable.
	bAtStage, bGo := stopFirstWrite(t, s.hooks)

	// A's sync of the store's folder, after it made "d" again, fails. Every successful sync
	// of the store's folder is counted.
	parentSyncs := failFirstFolderSync(t, s.hooks, s.Dir())

	bErr := make(chan error, 1)
	go func() { bErr <- s.Create(ctx, ports.Object{Key: "d/b", Data: []byte("b")}) }()
	<-bAtStage
	// A makes "d" again; the sync of its name fails: "d" is not durable.
	errA := s.Create(ctx, ports.Object{Key: "d/a", Data: []byte("a")})
	if taken {
		write(t, filepath.Join(s.Dir(), "d", "b"), "b")
	}
	close(bGo)
	errB := <-bErr
	syncedBeforeB := parentSyncs.Load()
	t.Logf("A: %v; B: %v", errA, errB)
	if (errB == nil || errors.Is(errB, ports.ErrExists)) && syncedBeforeB == 0 {
		t.Errorf("B answered stored (or exists: a replay) for d/b, but the folder d it is in was made again and its parent never synced since: a crash can take it")
	}
}

// TestRemadeRootParentSyncFails: the store's folder, removed under the store, is made
// again; the sync of its name into its parent fails. A later write must not answer "stored"
// while no sync of that parent has succeeded since: a crash takes the folder, and every
// object in it.
func TestRemadeRootParentSyncFails(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "drops")
	s := openStore(t, dir)
	ctx := context.Background()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	parentSyncs := failFirstFolderSync(t, s.hooks, filepath.Dir(dir))

	for i, key := range []string{"a", "b", "c"} {
		err := s.Create(ctx, ports.Object{Key: key, Data: []byte("x")})
		t.Logf("write %d: %v", i, err)
		if err == nil && parentSyncs.Load() == 0 {
			t.Fatalf("write %d answered stored, but the store's folder was made again and no sync of its parent has succeeded: a crash can take it", i)
		}
	}
	if err := s.Ready(ctx); err != nil {
		t.Errorf("Ready once the parent syncs again: %v", err)
	}
}

// TestRootRemadeUnderWrite: a write that passed the store's checks before the store's
// folder was removed links its object into the folder another write has just made again, whose
// sync into its parent failed: it must not answer "stored" until that sync has succeeded.
func TestRootRemadeUnderWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "drops")
	s := openStore(t, dir)
	ctx := context.Background()
	bAtStage, bGo := stopFirstWrite(t, s.hooks)
	parentSyncs := failFirstFolderSync(t, s.hooks, filepath.Dir(dir))

	bErr := make(chan error, 1)
	go func() { bErr <- s.Create(ctx, ports.Object{Key: "b", Data: []byte("b")}) }()
	<-bAtStage
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	errA := s.Create(ctx, ports.Object{Key: "a", Data: []byte("a")}) // makes the folder again; its parent's sync fails
	close(bGo)
	errB := <-bErr
	t.Logf("A: %v; B: %v", errA, errB)
	if errB == nil && parentSyncs.Load() == 0 {
		t.Errorf("B answered stored, but the store's folder was made again and no sync of its parent has succeeded: a crash can take it")
	}
}

// stopFirstWrite stops the next write at its first step, after it met its folders: atStage is
// closed when it gets there, and it goes on once goOn is closed.
func stopFirstWrite(t *testing.T, h *hooks) (atStage <-chan struct{}, goOn chan<- struct{}) {
	t.Helper()
	at, release := make(chan struct{}), make(chan struct{})
	var steps atomic.Int32
	h.step = func(next string) {
		if next == "create temporary file" && steps.Add(1) == 1 {
			close(at)
			<-release
		}
	}
	return at, release
}

// recordFolderSyncs records the folders synced from now on; synced reports whether path was.
func recordFolderSyncs(t *testing.T, h *hooks) (synced func(path string) bool) {
	t.Helper()
	var mu sync.Mutex
	seen := map[string]bool{}
	h.fsync = func(kind, path string) error {
		if kind == "folder" {
			mu.Lock()
			seen[path] = true
			mu.Unlock()
		}
		return nil
	}
	return func(path string) bool {
		mu.Lock()
		defer mu.Unlock()
		return seen[path]
	}
}

// failFirstFolderSync makes the first fsync of folder fail (EIO) and counts the successful
// ones after it.
func failFirstFolderSync(t *testing.T, h *hooks, folder string) *atomic.Int32 {
	t.Helper()
	var synced atomic.Int32
	var once sync.Once
	h.fsync = func(kind, path string) error {
		if kind != "folder" || path != folder {
			return nil
		}
		first := false
		once.Do(func() { first = true })
		if first {
			return syscall.EIO
		}
		synced.Add(1)
		return nil
	}
	return &synced
}

// TestNewFolderNeverSynced: New makes the store's folder (and the folders above it that
// are missing). Until each of them is synced into its parent, a crash can take the folder and
// every object in it: no write may answer "stored" before those syncs have succeeded.
func TestNewFolderNeverSynced(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "a", "b", "drops")
	h := &hooks{}
	synced := recordFolderSyncs(t, h)
	s := openStoreWith(t, dir, h)
	if err := s.Create(context.Background(), ports.Object{Key: "k", Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	for _, parent := range []string{base, filepath.Join(base, "a"), filepath.Join(base, "a", "b")} {
		if !synced(parent) {
			t.Errorf("k answered stored, but %s, which gained a folder New made, was never synced: a crash can take the store's folder", parent)
		}
	}
}

// TestNewFolderSyncFails: when New cannot make the folder it made durable in its
// parent, it fails, rather than serve writes that a crash can take.
func TestNewFolderSyncFails(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "drops")
	h := &hooks{}
	failFirstFolderSync(t, h, base)
	s, err := newStore(dir, h)
	if err == nil {
		s.Close()
		t.Fatal("New succeeded, but the store's folder it made could not be synced into its parent")
	}
}

// TestExistingFolderSynced: a store's folder that exists at start (a run may have made
// it and been killed before syncing it into its parent) is synced into its parent before New
// returns; a failure of that sync fails New.
func TestExistingFolderSynced(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "drops")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	h := &hooks{}
	synced := recordFolderSyncs(t, h)
	openStoreWith(t, dir, h)
	if !synced(base) {
		t.Errorf("New returned, but %s, which holds the store's folder, was never synced", base)
	}
	h = &hooks{}
	failFirstFolderSync(t, h, base)
	if s, err := newStore(dir, h); err == nil {
		s.Close()
		t.Error("New succeeded, but the store's folder could not be synced into its parent")
	}
}

// TestRemadeAncestorNeverSynced: a folder above the store's folder is removed while the
// store runs; the store makes the whole path again. Every folder it made must be synced into
// its parent before a write answers "stored": else a crash takes the path, and the object.
func TestRemadeAncestorNeverSynced(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "a", "drops")
	s := openStore(t, dir)
	if err := os.RemoveAll(filepath.Join(base, "a")); err != nil {
		t.Fatal(err)
	}
	synced := recordFolderSyncs(t, s.hooks)
	if err := s.Create(context.Background(), ports.Object{Key: "k", Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	for _, parent := range []string{base, filepath.Join(base, "a")} {
		if !synced(parent) {
			t.Errorf("k answered stored, but %s, which gained a folder made again, was never synced: a crash can take the store's folder", parent)
		}
	}
}
