package domain_test

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

const lockLease = time.Minute

// rereadStore is a memory store that loses the answer to the n-th replacement of an upload's
// state (written first if landed), and hands the first read of a state after that loss to
// onReread, if set, which makes it with read, until disarmed.
type rereadStore struct {
	*porttest.LostAnswers
	mem      *memstore.Store
	onReread func(read func() (ports.Object, error)) (ports.Object, error)

	mu     sync.Mutex
	n      int
	armed  bool
	reread bool // onReread was called
}

func newRereadStore(lose int, landed bool) *rereadStore {
	s := &rereadStore{mem: memstore.New()}
	s.LostAnswers = &porttest.LostAnswers{ETagStore: s.mem, Lose: func(obj ports.Object) (bool, bool) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.n++
		s.armed = s.armed || s.n == lose
		return s.n == lose, landed
	}}
	return s
}

func (s *rereadStore) Get(ctx context.Context, key string) (ports.Object, error) {
	s.mu.Lock()
	hook := s.armed && s.onReread != nil && strings.HasPrefix(key, domain.UploadPrefix)
	if hook {
		s.armed, s.reread = false, true
	}
	s.mu.Unlock()
	read := func() (ports.Object, error) { return s.LostAnswers.Get(ctx, key) }
	if hook {
		return s.onReread(read)
	}
	return read()
}

// disarm stops handing reads to onReread, and says whether it was called.
func (s *rereadStore) disarm() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armed = false
	return s.reread
}

// lockFixture is an upload of "helloworld" created over a rereadStore, on a clock of its own.
type lockFixture struct {
	t     *testing.T
	u     *domain.Uploads
	s     *rereadStore
	clock *porttest.Clock
	id    string
}

func newLockFixture(t *testing.T, s *rereadStore) *lockFixture {
	t.Helper()
	clock := porttest.NewClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	u, err := domain.NewUploads(newService(t, s, clock, &porttest.IDs{}), s.mem, domain.UploadConfig{MaxBytes: 1 << 20, Lease: lockLease})
	if err != nil {
		t.Fatal(err)
	}
	f := &lockFixture{t: t, u: u, s: s, clock: clock}
	res, err := u.Upload(context.Background(), ports.UploadRequest{Method: "POST", Header: f.header("upload-length", "10")})
	if err != nil {
		t.Fatal(err)
	}
	f.id = res.ID
	return f
}

func (f *lockFixture) header(kv ...string) porttest.Header {
	h := porttest.Header{"x-cdn-authorization": "Bearer " + cdnClient, "authorization": "Bearer " + authClient}
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i]] = kv[i+1]
	}
	return h
}

// patch sends "helloworld"[off:end] at off, through body if set.
func (f *lockFixture) patch(off, end int, body io.Reader) (ports.UploadResult, error) {
	if body == nil {
		body = strings.NewReader("helloworld"[off:end])
	}
	return f.u.Upload(context.Background(), ports.UploadRequest{Method: "PATCH", ID: f.id, Body: body,
		Header: f.header("content-type", domain.PatchContentType, "upload-offset", strconv.Itoa(off), "content-length", strconv.Itoa(end-off))})
}

func (f *lockFixture) head() int64 {
	f.t.Helper()
	res, err := f.u.Upload(context.Background(), ports.UploadRequest{Method: "HEAD", ID: f.id, Header: f.header()})
	if err != nil {
		f.t.Fatalf("HEAD: %v", err)
	}
	return res.Offset
}

// finish sends the rest from off, and checks that the upload is one object, "helloworld".
func (f *lockFixture) finish(off int) {
	f.t.Helper()
	res, err := f.patch(off, 10, nil)
	if err != nil || !res.Done {
		f.t.Fatalf("PATCH of the rest at %d: %+v, %v (code %q); want the upload complete", off, res, err, domain.ErrorCode(err))
	}
	var objects []string
	for _, k := range f.s.mem.Keys() {
		if !strings.HasPrefix(k, domain.RecordPrefix) {
			objects = append(objects, k)
		}
	}
	if obj, _ := f.s.mem.Get(context.Background(), res.Key); len(objects) != 1 || string(obj.Data) != "helloworld" {
		f.t.Errorf("objects %v, %q under %s; want one, \"helloworld\"", objects, obj.Data, res.Key)
	}
}

// TestPatchReleasesItsLockAfterALostAnswer: a PATCH whose write of the state that takes the
// lock (the first) or releases it (the second) is answered "unknown" (504), whether it
// landed or not, leaves the upload unlocked at the offset the state keeps: a HEAD says it,
// and a PATCH from it is served at once, not 423 until the lease ends; the upload is then
// stored whole, once.
func TestPatchReleasesItsLockAfterALostAnswer(t *testing.T) {
	for _, tt := range []struct {
		name    string
		lose    int // the state's replacement whose answer is lost
		landed  bool
		asRetry bool  // answered as S3 answers the retry of a write that landed: 412 too
		offset  int64 // HEAD's after the PATCH
	}{
		{"the lock's write landed", 1, true, false, 0},
		{"the lock's write landed, its retry refused", 1, true, true, 0},
		{"the lock's write did not land", 1, false, false, 0},
		{"the unlocking write landed", 2, true, false, 5},
		{"the unlocking write did not land", 2, false, false, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			store := newRereadStore(tt.lose, tt.landed)
			store.AsRetry = tt.asRetry
			f := newLockFixture(t, store)
			if _, err := f.patch(0, 5, nil); domain.ErrorCode(err) != domain.EStorageUnknown {
				t.Fatalf("PATCH: %v (code %q), want %q", err, domain.ErrorCode(err), domain.EStorageUnknown)
			}
			got := f.head()
			if got != tt.offset {
				t.Errorf("HEAD: offset %d, want %d", got, tt.offset)
			}
			f.finish(int(got))
		})
	}
}

// gatedBody is a PATCH's body that, at its first read (its PATCH holds the lock by then),
// closes reading and waits for release.
type gatedBody struct {
	r       io.Reader
	once    sync.Once
	reading chan struct{}
	release chan struct{}
}

func (b *gatedBody) Read(p []byte) (int, error) {
	b.once.Do(func() { close(b.reading); <-b.release })
	return b.r.Read(p)
}

// TestPatchKeepsALockItCannotRelease: after a lost answer to the write that took its lock,
// a PATCH that cannot read the state again keeps today's answer and the lock (the lease ends
// it); one that finds another PATCH's lock, taken since its own lease ended, before or after
// it read the state, leaves that lock in place: a third PATCH meanwhile is 423, and the
// other PATCH's bytes are kept.
func TestPatchKeepsALockItCannotRelease(t *testing.T) {
	for _, tt := range []string{"the read fails", "another PATCH locked it before the read", "another PATCH locked it after the read"} {
		t.Run(tt, func(t *testing.T) {
			f := newLockFixture(t, newRereadStore(1, true))
			other := &gatedBody{r: strings.NewReader("hello"), reading: make(chan struct{}), release: make(chan struct{})}
			otherDone := make(chan error, 1)
			lockOther := func() {
				f.clock.Advance(lockLease + time.Second) // the first PATCH's lease ends
				go func() { _, err := f.patch(0, 5, other); otherDone <- err }()
				select {
				case <-other.reading:
				case err := <-otherDone:
					t.Errorf("the other PATCH ended before it read its body: %v", err)
				}
			}
			f.s.onReread = func(read func() (ports.Object, error)) (ports.Object, error) {
				switch tt {
				case "the read fails":
					return ports.Object{}, errors.New("storage unavailable")
				case "another PATCH locked it before the read":
					lockOther()
					return read()
				}
				obj, err := read()
				lockOther()
				return obj, err
			}
			if _, err := f.patch(0, 5, nil); domain.ErrorCode(err) != domain.EStorageUnknown {
				t.Fatalf("PATCH: %v (code %q), want %q", err, domain.ErrorCode(err), domain.EStorageUnknown)
			}
			if !f.s.disarm() {
				t.Fatal("the PATCH did not read the state again after the lost answer")
			}
			if _, err := f.patch(0, 5, nil); domain.ErrorCode(err) != domain.EUploadLocked {
				t.Fatalf("a PATCH while the lock is held: %v (code %q), want %q", err, domain.ErrorCode(err), domain.EUploadLocked)
			}
			if tt == "the read fails" {
				f.clock.Advance(lockLease + time.Second)
				f.finish(0)
				return
			}
			close(other.release)
			if err := <-otherDone; err != nil {
				t.Fatalf("the other PATCH: %v", err)
			}
			f.finish(5)
		})
	}
}
