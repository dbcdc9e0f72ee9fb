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

// TestAttackStaleFolderCache: a folder removed under the store and made again by one write is
// not durable until its parent is synced. A second write that remembered the folder as
// durable (from before the removal) and links into the new folder while that parent sync is
// pending must not answer "stored": if the parent sync then fails, a crash takes the folder,
// and the object with it.
func TestAttackStaleFolderCache(t *testing.T) {
	t.Run("B links", func(t *testing.T) { staleFolderCache(t, false) })
	t.Run("B finds its key taken", func(t *testing.T) { staleFolderCache(t, true) })
}

// staleFolderCache is TestAttackStaleFolderCache; with taken, the key B writes is taken (by a
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
	bAtStage, bGo := make(chan struct{}), make(chan struct{})
	var steps atomic.Int32
	testHookStep = func(next string) {
		if next == "create temporary file" && steps.Add(1) == 1 {
			close(bAtStage)
			<-bGo
		}
	}
	t.Cleanup(func() { testHookStep = func(string) {} })

	// A's sync of the store's folder, after it made "d" again, fails. Every successful sync
	// of the store's folder is counted.
	var parentSyncs atomic.Int32
	var once sync.Once
	testHookFsync = func(kind, path string) error {
		if kind != "folder" || path != s.Dir() {
			return nil
		}
		first := false
		once.Do(func() { first = true })
		if first {
			return syscall.EIO
		}
		parentSyncs.Add(1)
		return nil
	}
	t.Cleanup(func() { testHookFsync = nil })

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

// TestAttackRemadeRootParentSyncFails: the store's folder, removed under the store, is made
// again; the sync of its name into its parent fails. A later write must not answer "stored"
// while no sync of that parent has succeeded since: a crash takes the folder, and every
// object in it.
func TestAttackRemadeRootParentSyncFails(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "drops")
	s := openStore(t, dir)
	ctx := context.Background()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	var parentSyncs atomic.Int32
	var once sync.Once
	testHookFsync = func(kind, path string) error {
		if kind != "folder" || path != filepath.Dir(dir) {
			return nil
		}
		failed := false
		once.Do(func() { failed = true })
		if failed {
			return syscall.EIO
		}
		parentSyncs.Add(1)
		return nil
	}
	t.Cleanup(func() { testHookFsync = nil })

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
