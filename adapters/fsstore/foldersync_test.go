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
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
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
	bAtStage, bGo := stopFirstWrite(t)

	// A's sync of the store's folder, after it made "d" again, fails. Every successful sync
	// of the store's folder is counted.
	parentSyncs := failFirstFolderSync(t, s.Dir())

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
	parentSyncs := failFirstFolderSync(t, filepath.Dir(dir))

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

// TestSameKeyUnderFsyncFaults: many requests with one Idempotency-Key at once, and
// sequential retries, through the core, while a share of the fsyncs (of files and folders)
// fail at random: never a 422, never a second payload; a 202 only for a payload stored once;
// "not stored" by every request only when nothing is stored.
func TestSameKeyUnderFsyncFaults(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	s := openStore(t, filepath.Join(t.TempDir(), "drops"))
	core := facetest.Core(t, s)
	const keys, sharing = 40, 4
	var rmu sync.Mutex
	testHookFsync = func(kind, path string) error {
		rmu.Lock()
		defer rmu.Unlock()
		if rng.IntN(100) < 25 {
			return syscall.EIO
		}
		return nil
	}
	t.Cleanup(func() { testHookFsync = nil })
	codes := make([][]string, keys)
	var wg sync.WaitGroup
	for k := range keys {
		codes[k] = make([]string, sharing)
		for j := range sharing {
			wg.Go(func() {
				payload := fmt.Sprintf("payload-%d", k)
				h := porttest.Header{
					facetest.CDNHeader:       "Bearer " + facetest.CDNToken,
					"authorization":          "Bearer " + facetest.AuthToken,
					"content-length":         fmt.Sprint(len(payload)),
					domain.IdempotencyHeader: fmt.Sprintf("key-%d", k),
				}
				_, err := core.Drop(context.Background(), ports.DropRequest{Method: "POST", Header: h, Body: porttest.Body(payload)})
				codes[k][j] = domain.ErrorCode(err)
			})
		}
	}
	wg.Wait()
	testHookFsync = nil
	count := map[string]int{}
	all, err := s.Keys()
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range all {
		b, err := os.ReadFile(filepath.Join(s.Dir(), key))
		if err != nil {
			t.Fatal(err)
		}
		count[string(b)]++
	}
	tally := map[string]int{}
	for k := range keys {
		for _, c := range codes[k] {
			tally[c]++
		}
	}
	t.Logf("answers: %v", tally)
	for k := range keys {
		n := count[fmt.Sprintf("payload-%d", k)]
		var ok, notStored int
		for _, c := range codes[k] {
			switch c {
			case "":
				ok++
			case domain.EStorage:
				notStored++
			case domain.EStorageUnknown:
			default:
				t.Errorf("key %d: answer %q", k, c)
			}
		}
		switch {
		case n > 1:
			t.Errorf("key %d: payload stored %d times; answers %q", k, n, codes[k])
		case ok > 0 && n != 1:
			t.Errorf("key %d: 202 but payload stored %d times; answers %q", k, n, codes[k])
		case notStored == sharing && n != 0:
			t.Errorf("key %d: every answer not stored, payload stored; answers %q", k, codes[k])
		}
	}
}

// TestRootRemadeUnderWrite: a write that passed the store's checks before the store's
// folder was removed links its object into the folder another write has just made again, whose
// sync into its parent failed: it must not answer "stored" until that sync has succeeded.
func TestRootRemadeUnderWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "drops")
	s := openStore(t, dir)
	ctx := context.Background()
	bAtStage, bGo := stopFirstWrite(t)
	parentSyncs := failFirstFolderSync(t, filepath.Dir(dir))

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
func stopFirstWrite(t *testing.T) (atStage <-chan struct{}, goOn chan<- struct{}) {
	t.Helper()
	at, release := make(chan struct{}), make(chan struct{})
	var steps atomic.Int32
	testHookStep = func(next string) {
		if next == "create temporary file" && steps.Add(1) == 1 {
			close(at)
			<-release
		}
	}
	t.Cleanup(func() { testHookStep = func(string) {} })
	return at, release
}

// recordFolderSyncs records the folders synced from now on; synced reports whether path was.
func recordFolderSyncs(t *testing.T) (synced func(path string) bool) {
	t.Helper()
	var mu sync.Mutex
	seen := map[string]bool{}
	testHookFsync = func(kind, path string) error {
		if kind == "folder" {
			mu.Lock()
			seen[path] = true
			mu.Unlock()
		}
		return nil
	}
	t.Cleanup(func() { testHookFsync = nil })
	return func(path string) bool {
		mu.Lock()
		defer mu.Unlock()
		return seen[path]
	}
}

// failFirstFolderSync makes the first fsync of folder fail (EIO) and counts the successful
// ones after it.
func failFirstFolderSync(t *testing.T, folder string) *atomic.Int32 {
	t.Helper()
	var synced atomic.Int32
	var once sync.Once
	testHookFsync = func(kind, path string) error {
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
	t.Cleanup(func() { testHookFsync = nil })
	return &synced
}

// TestNewFolderNeverSynced: New makes the store's folder (and the folders above it that
// are missing). Until each of them is synced into its parent, a crash can take the folder and
// every object in it: no write may answer "stored" before those syncs have succeeded.
func TestNewFolderNeverSynced(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "a", "b", "drops")
	synced := recordFolderSyncs(t)
	s := openStore(t, dir)
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
	failFirstFolderSync(t, base)
	s, err := New(dir)
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
	synced := recordFolderSyncs(t)
	openStore(t, dir)
	if !synced(base) {
		t.Errorf("New returned, but %s, which holds the store's folder, was never synced", base)
	}
	failFirstFolderSync(t, base)
	if s, err := New(dir); err == nil {
		s.Close()
		t.Error("New succeeded, but the store's folder could not be synced into its parent")
	}
}

// attributed is a store that notes which request (writerKey in the context) linked each key:
// the filesystem store's Create links exactly when it answers nil or ErrUnknown.
type attributed struct {
	*Store
	mu     sync.Mutex
	linked map[string][]int
}

type writerKey struct{}

func (a *attributed) Create(ctx context.Context, obj ports.Object) error {
	err := a.Store.Create(ctx, obj)
	if err == nil || errors.Is(err, ports.ErrUnknown) && !errors.Is(err, ports.ErrExists) {
		a.mu.Lock()
		a.linked[obj.Key] = append(a.linked[obj.Key], ctx.Value(writerKey{}).(int))
		a.mu.Unlock()
	}
	return err
}

// TestFsyncFaultsAttributed: groups of requests share an Idempotency-Key, one of each
// third group with another payload, while a quarter of the fsyncs fail, and the clock moves on
// by a third of the TTL now and then (so that records expire while retries are in flight; after
// the TTL a retry is a new drop). Each answer is checked against the request's own writes: a
// 503 ("not stored by this request"), a replay or a 422 is never said by a request that linked
// its payload; a 202 never of a payload not stored. With the clock still, one payload a key,
// stored at most once.
func TestFsyncFaultsAttributed(t *testing.T) {
	for _, expiring := range []bool{false, true} {
		t.Run(fmt.Sprintf("expiring=%v", expiring), func(t *testing.T) { fsyncFaultsAttributed(t, expiring) })
	}
}

func fsyncFaultsAttributed(t *testing.T, expiring bool) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 3))
	s := &attributed{Store: openStore(t, filepath.Join(t.TempDir(), "drops")), linked: map[string][]int{}}
	clock := porttest.NewClock(time.Now())
	cfg := facetest.Config(facetest.CDNHeader)
	cfg.IdempotencyTTL = time.Hour
	core, err := domain.New(cfg, s, clock, &porttest.IDs{})
	if err != nil {
		t.Fatal(err)
	}
	var rmu sync.Mutex
	testHookFsync = func(kind, path string) error {
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
	t.Cleanup(func() { testHookFsync = nil })
	const keys, sharing = 40, 4
	type answer struct {
		payload string
		code    string
		res     ports.DropResult
	}
	answers := make([][]answer, keys)
	var wg sync.WaitGroup
	for k := range keys {
		answers[k] = make([]answer, sharing)
		for j := range sharing {
			wg.Go(func() {
				payload := fmt.Sprintf("payload-%d", k)
				if k%3 == 0 && j == sharing-1 {
					payload = fmt.Sprintf("other-%d", k)
				}
				h := porttest.Header{
					facetest.CDNHeader:       "Bearer " + facetest.CDNToken,
					"authorization":          "Bearer " + facetest.AuthToken,
					"content-length":         fmt.Sprint(len(payload)),
					domain.IdempotencyHeader: fmt.Sprintf("key-%d", k),
				}
				ctx := context.WithValue(context.Background(), writerKey{}, k*sharing+j)
				res, err := core.Drop(ctx, ports.DropRequest{Method: "POST", Header: h, Body: porttest.Body(payload)})
				answers[k][j] = answer{payload, domain.ErrorCode(err), res}
			})
		}
	}
	wg.Wait()
	testHookFsync = nil
	all, err := s.Keys()
	if err != nil {
		t.Fatal(err)
	}
	copies := map[string][]string{} // payload → its keys
	for _, key := range all {
		b, err := os.ReadFile(filepath.Join(s.Dir(), key))
		if err != nil {
			t.Fatal(err)
		}
		copies[string(b)] = append(copies[string(b)], key)
	}
	tally := map[string]int{}
	for k := range keys {
		for j, a := range answers[k] {
			tally[a.code]++
			id := k*sharing + j
			wrote := false
			for _, key := range copies[a.payload] {
				for _, w := range s.linked[key] {
					wrote = wrote || w == id
				}
			}
			n := len(copies[a.payload])
			switch {
			case a.code == "" && n == 0:
				t.Errorf("key %d request %d: 202, %q not stored", k, j, a.payload)
			case a.code == "" && n != 1 && !expiring:
				t.Errorf("key %d request %d: 202, %q stored %d times", k, j, a.payload, n)
			case a.code == "" && a.res.Replayed && wrote:
				t.Errorf("key %d request %d: Idempotent-Replayed, but this request linked %q", k, j, a.payload)
			case a.code == domain.EStorage && wrote:
				t.Errorf("key %d request %d: 503 not stored, but this request linked %q", k, j, a.payload)
			case a.code == domain.EIdempotencyReused && wrote:
				t.Errorf("key %d request %d: 422, but this request linked %q", k, j, a.payload)
			case a.code != "" && a.code != domain.EStorage && a.code != domain.EStorageUnknown && a.code != domain.EIdempotencyReused:
				t.Errorf("key %d request %d: answer %q", k, j, a.code)
			}
		}
		if !expiring {
			mine, other := len(copies[fmt.Sprintf("payload-%d", k)]), len(copies[fmt.Sprintf("other-%d", k)])
			if mine > 1 || other > 1 || mine > 0 && other > 0 {
				t.Errorf("key %d: payload stored %d times, the other %d", k, mine, other)
			}
		}
	}
	t.Logf("answers: %v", tally)
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
	synced := recordFolderSyncs(t)
	if err := s.Create(context.Background(), ports.Object{Key: "k", Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	for _, parent := range []string{base, filepath.Join(base, "a")} {
		if !synced(parent) {
			t.Errorf("k answered stored, but %s, which gained a folder made again, was never synced: a crash can take the store's folder", parent)
		}
	}
}
