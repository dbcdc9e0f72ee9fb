//go:build linux || darwin

package fsstore

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// TestGroupCommit: many concurrent writers share far fewer syncs than there are writes. The
// fsyncs take fake time (synctest), so the sharing does not depend on the machine's speed.
func TestGroupCommit(t *testing.T) { synctest.Test(t, testGroupCommit) }

func testGroupCommit(t *testing.T) {
	g := newGroup()
	var syncs atomic.Int64
	do := func() error {
		syncs.Add(1)
		time.Sleep(2 * time.Millisecond) // an fsync's time, on the bubble's clock
		return nil
	}
	const writers = 64
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range 5 {
				if err := g.sync(do); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n := syncs.Load(); n >= writers*5/2 {
		t.Errorf("%d syncs for %d writes: want them shared", n, writers*5)
	}
}

// TestGroupSyncStartsAfterTheCall: a writer is never served by a sync that was already running
// when it asked.
func TestGroupSyncStartsAfterTheCall(t *testing.T) { synctest.Test(t, testGroupSyncStartsAfterTheCall) }

func testGroupSyncStartsAfterTheCall(t *testing.T) {
	g := newGroup()
	started := make(chan struct{})
	release := make(chan struct{})
	var runs atomic.Int64
	go g.sync(func() error { runs.Add(1); close(started); <-release; return nil })
	<-started
	done := make(chan struct{})
	go func() {
		g.sync(func() error { runs.Add(1); return nil })
		close(done)
	}()
	synctest.Wait() // the second writer has returned, or waits for a sync
	select {
	case <-done:
		t.Fatal("the second writer was served by the sync running when it asked")
	default:
	}
	close(release)
	<-done
	if runs.Load() != 2 {
		t.Errorf("%d syncs, want 2", runs.Load())
	}
}

// TestGroupErrors: a failed sync fails the writers it served, and only them.
func TestGroupErrors(t *testing.T) {
	g := newGroup()
	boom := errors.New("EIO")
	if err := g.sync(func() error { return boom }); !errors.Is(err, boom) {
		t.Errorf("first sync: %v, want its error", err)
	}
	if err := g.sync(func() error { return nil }); err != nil {
		t.Errorf("next sync: %v, want none", err)
	}
	if len(g.failed) != 0 || len(g.waiting) != 0 {
		t.Errorf("state left: failed %v, waiting %v", g.failed, g.waiting)
	}
}
