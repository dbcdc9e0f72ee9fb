//go:build linux || darwin

package fsstore

import "sync"

// group runs one folder's syncs so that concurrent writers share them (group commit): a writer
// that needs its change made durable waits for the next sync that starts after its change,
// which serves every writer waiting by then. One sync runs at a time.
type group struct {
	mu      sync.Mutex
	cond    *sync.Cond
	started uint64           // syncs started
	done    uint64           // syncs finished
	running bool             // a sync is running (number started)
	failed  map[uint64]error // the errors of failed syncs that writers still wait for
	waiting map[uint64]int   // how many writers wait for each sync
}

func newGroup() *group {
	g := &group{failed: map[uint64]error{}, waiting: map[uint64]int{}}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// sync makes every change made before the call durable, running do (the folder's fsync) or
// waiting for a run of it that starts after the call, and returns that run's error.
func (g *group) sync(do func() error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	target := g.started + 1 // a running sync may have started before the change: the next one
	g.waiting[target]++
	for g.done < target {
		if g.running {
			g.cond.Wait()
			continue
		}
		g.running = true
		g.started++
		n := g.started
		g.mu.Unlock()
		err := do()
		g.mu.Lock()
		g.running = false
		g.done = n
		if err != nil {
			g.failed[n] = err
		}
		g.cond.Broadcast()
	}
	err := g.failed[target]
	if g.waiting[target]--; g.waiting[target] == 0 {
		delete(g.waiting, target)
		delete(g.failed, target)
	}
	return err
}
