//go:build linux || darwin

package fsstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
	"github.com/s3-dropbox/s3-dropbox/ports/storetest"
)

// TestSharedKeysUnderFsyncFaults: the shared-keys scenario (storetest.SharedKeys) through the
// core while a quarter of the fsyncs (of files and folders) fail, each answer checked against
// the request's own links; with expiring, the clock moves on by a third of the TTL now and then,
// so that records expire while retries are in flight.
func TestSharedKeysUnderFsyncFaults(t *testing.T) {
	for _, expiring := range []bool{false, true} {
		t.Run(fmt.Sprintf("expiring=%v", expiring), func(t *testing.T) { sharedKeysUnderFsyncFaults(t, expiring) })
	}
}

func sharedKeysUnderFsyncFaults(t *testing.T, expiring bool) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 3))
	s := &attributed{Store: openStore(t, filepath.Join(t.TempDir(), "drops")), linked: map[string][]int{}}
	clock := porttest.NewClock(time.Now())
	var rmu sync.Mutex
	s.hooks.fsync = func(kind, path string) error {
		rmu.Lock()
		defer rmu.Unlock()
		if expiring && rng.IntN(10) == 0 {
			clock.Advance(20 * time.Minute)
		}
		if rng.IntN(100) < 25 {
			return syscall.EIO
		}
		return nil
	}
	storetest.SharedKeys{
		Groups: 40, Sharing: 4, Expiring: expiring, Attributed: true,
		Drop: storetest.CoreDrop(storetest.NewCore(t, s, clock)),
		Stored: func(t *testing.T, _ []string) []storetest.Object {
			s.hooks.fsync = nil
			all, err := s.Keys()
			if err != nil {
				t.Fatal(err)
			}
			var got []storetest.Object
			for _, key := range all {
				b, err := os.ReadFile(filepath.Join(s.Dir(), key))
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, storetest.Object{Key: key, Payload: string(b), Writers: s.linked[key]})
			}
			return got
		},
	}.Run(t)
}

// attributed is a store that notes which request (storetest.Writer) linked each key: the
// filesystem store's Create links exactly when it answers nil or ErrUnknown.
type attributed struct {
	*Store
	mu     sync.Mutex
	linked map[string][]int
}

func (a *attributed) Create(ctx context.Context, obj ports.Object) error {
	err := a.Store.Create(ctx, obj)
	if err == nil || errors.Is(err, ports.ErrUnknown) && !errors.Is(err, ports.ErrExists) {
		a.mu.Lock()
		a.linked[obj.Key] = append(a.linked[obj.Key], storetest.Writer(ctx))
		a.mu.Unlock()
	}
	return err
}
