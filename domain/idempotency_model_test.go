package domain_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
	"github.com/s3-dropbox/s3-dropbox/ports/storetest"
)

// modelAnswer is how the model of S3 answers one attempt of a write (one HTTP request of the
// SDK's retries).
type modelAnswer int

const (
	mOK         modelAnswer = iota // acted on: 2xx, or 412/404 when the condition fails
	mLostAfter                     // acted on, the answer lost
	mLostBefore                    // not acted on, the answer lost
	mLate                          // in flight: acts later (or never, if its condition fails then), the answer lost
	m500After                      // acted on, answered 500 InternalError
	m500Before                     // not acted on, answered 500
	mSlowDown                      // refused: 503 SlowDown
	m409                           // refused: 409 ConditionalRequestConflict
	mRefused                       // refused for good (403, a dial error): the SDK does not retry
	nModelAnswers
)

// modelWrite is a write S3 has received and may still act on (mLate).
type modelWrite struct {
	obj    ports.Object
	etag   string // "" for create-only
	writer int
}

// modelObject is an object in the model's bucket, with the request that wrote it.
type modelObject struct {
	obj    ports.Object
	writer int
}

// modelStore is S3 as the SDK and s3store see it, each call made of up to three attempts,
// each answered at random, with writes that land after their answers were lost (even after
// the request ended); it reports outcomes as s3store does (ports.ObjectStore's contract).
type modelStore struct {
	mu      sync.Mutex
	rng     *rand.Rand
	faults  int // percent of attempts answered otherwise than mOK
	objects map[string]modelObject
	late    []modelWrite
	version int
	clock   *porttest.Clock // advanced now and then, when set, so that records expire mid-drop
}

// apply acts on w, if its condition holds, and says which outcome error it met (nil: done).
// The caller holds mu.
func (m *modelStore) apply(w modelWrite) error {
	old, exists := m.objects[w.obj.Key]
	switch {
	case w.etag == "" && exists:
		return ports.ErrExists
	case w.etag != "" && !exists:
		return ports.ErrNotFound
	case w.etag != "" && old.obj.ETag != w.etag:
		return ports.ErrVersion
	}
	m.version++
	w.obj.ETag = fmt.Sprint(m.version)
	w.obj.Data = append([]byte(nil), w.obj.Data...)
	m.objects[w.obj.Key] = modelObject{w.obj, w.writer}
	return nil
}

// land acts on some of the writes in flight. The caller holds mu.
func (m *modelStore) land(all bool) {
	if m.clock != nil && m.rng.IntN(20) == 0 {
		m.clock.Advance(20 * time.Minute) // a third of the core's TTL
	}
	kept := m.late[:0]
	for _, w := range m.late {
		if all || m.rng.IntN(3) == 0 {
			m.apply(w)
			continue
		}
		kept = append(kept, w)
	}
	m.late = kept
}

func (m *modelStore) write(ctx context.Context, obj ports.Object, etag string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.land(false)
	w := modelWrite{obj: obj, etag: etag, writer: storetest.Writer(ctx)}
	lost := false
	var last error
	for range 3 {
		a := mOK
		if m.rng.IntN(100) < m.faults {
			a = modelAnswer(1 + m.rng.IntN(int(nModelAnswers)-1))
		}
		switch a {
		case mOK:
			outcome := m.apply(w)
			switch {
			case outcome == nil:
				return nil
			case lost:
				return fmt.Errorf("model: %w after a lost answer (%w)", outcome, ports.ErrUnknown)
			}
			return fmt.Errorf("model: %w", outcome)
		case mLostAfter:
			m.apply(w)
			lost = true
		case mLostBefore:
			lost = true
		case mLate:
			m.late = append(m.late, w)
			lost = true
		case m500After:
			m.apply(w)
			lost = true
		case m500Before:
			lost = true
		case mSlowDown:
		case m409:
			if lost {
				return fmt.Errorf("model 409: %w after a lost answer (%w)", ports.ErrConcurrent, ports.ErrUnknown)
			}
			return fmt.Errorf("model 409: %w", ports.ErrConcurrent)
		case mRefused:
			last = errors.New("model: refused")
			if lost {
				return fmt.Errorf("%w: %w", ports.ErrUnknown, last)
			}
			return last
		}
		last = errors.New("model: retries spent")
	}
	if lost {
		return fmt.Errorf("%w: %w", ports.ErrUnknown, last)
	}
	return last
}

func (m *modelStore) Create(ctx context.Context, obj ports.Object) error {
	return m.write(ctx, obj, "")
}

func (m *modelStore) Replace(ctx context.Context, obj ports.Object, etag string) error {
	return m.write(ctx, obj, etag)
}

func (m *modelStore) Get(ctx context.Context, key string) (ports.Object, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.land(false)
	if m.rng.IntN(100) < m.faults/2 {
		return ports.Object{}, errors.New("model: read failed")
	}
	o, ok := m.objects[key]
	if !ok {
		return ports.Object{}, fmt.Errorf("model: %w", ports.ErrNotFound)
	}
	return o.obj, nil
}

// TestIdempotencyOverAModelOfS3: the shared-keys scenario (storetest.SharedKeys: groups of
// requests sharing an Idempotency-Key, a foreign payload in every third, every fifth without a
// key) against a model of S3 whose every attempt may be answered at random (lost before or
// after acting, 500 before or after, SlowDown, 409, a refusal) and whose writes may land after
// their answers were lost, even after the request ended; reconciled once every write in flight
// has landed, each answer with the request's own writes.
//
// With expiring, the clock moves on by a third of the TTL now and then, so that records expire
// while retries are in flight: a retry after the TTL is a new drop (docs/promises.md, its
// limits), so a payload may then be stored more than once, but never by a request that answers
// 503, a replay or a 422, and a 202 is never said of a payload not stored.
func TestIdempotencyOverAModelOfS3(t *testing.T) {
	t.Run("fixed clock", func(t *testing.T) { modelChaos(t, false) })
	t.Run("expiring", func(t *testing.T) { modelChaos(t, true) })
}

func modelChaos(t *testing.T, expiring bool) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	m := &modelStore{rng: rand.New(rand.NewPCG(seed, 17)), faults: 40, objects: map[string]modelObject{}}
	clock := porttest.NewClock(time.Now())
	if expiring {
		m.clock = clock
	}
	storetest.SharedKeys{
		Groups: 150, Sharing: 4, Parallel: 64, UnkeyedEvery: 5,
		Expiring: expiring, Attributed: true,
		Drop: storetest.CoreDrop(storetest.NewCore(t, m, clock)),
		Stored: func(t *testing.T, _ []string) []storetest.Object {
			m.mu.Lock()
			defer m.mu.Unlock()
			m.land(true)
			var got []storetest.Object
			for key, o := range m.objects {
				if !strings.HasPrefix(key, domain.RecordPrefix) {
					got = append(got, storetest.Object{Key: key, Payload: string(o.obj.Data), Writers: []int{o.writer}})
				}
			}
			return got
		},
	}.Run(t)
}
