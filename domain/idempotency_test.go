package domain_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/mocks"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// The store operations the idempotent drop makes.
const (
	opRecord  = "record"  // the create-only write of a record
	opReplace = "replace" // the IfMatch replace of an expired record
	opGet     = "get"     // the read of a record
	opPayload = "payload" // the create-only write of the payload
)

// fault is an injected failure: of the next call of op, before the store acts or after it
// (an error that hides a success, as a timeout can).
type fault struct {
	op    string
	after bool
	err   error
	times int
}

// faultyStore returns a memstore behind a moq mock that fails as told.
func faultyStore(faults ...fault) (*mocks.ObjectStoreMock, *memstore.Store) {
	mem := memstore.New()
	var mu sync.Mutex
	inject := func(op string) (error, bool) {
		mu.Lock()
		defer mu.Unlock()
		for i := range faults {
			if faults[i].op == op && faults[i].times > 0 {
				faults[i].times--
				return faults[i].err, faults[i].after
			}
		}
		return nil, false
	}
	mock := &mocks.ObjectStoreMock{
		PutFunc: func(ctx context.Context, obj ports.Object) error {
			op := opPayload
			switch {
			case obj.IfMatch != "":
				op = opReplace
			case strings.HasPrefix(obj.Key, ports.RecordPrefix):
				op = opRecord
			}
			err, after := inject(op)
			if err == nil {
				return mem.Put(ctx, obj)
			}
			if after {
				mem.Put(ctx, obj)
			}
			return err
		},
		GetFunc: func(ctx context.Context, key string) (ports.Object, error) {
			if err, _ := inject(opGet); err != nil {
				return ports.Object{}, err
			}
			return mem.Get(ctx, key)
		},
	}
	return mock, mem
}

// idemRequest is a drop of payload with an Idempotency-Key.
func idemRequest(payload string) ports.DropRequest {
	h := validHeader()
	h["content-length"] = "5"
	h["idempotency-key"] = "order-42"
	return ports.DropRequest{Method: "POST", Header: h, Body: body(payload)}
}

// settable is a clock the test moves.
type settable struct {
	mu  sync.Mutex
	now time.Time
}

func (c *settable) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *settable) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func idemService(t *testing.T, store ports.ObjectStore, clock ports.Clock) *domain.Service {
	t.Helper()
	cfg := config()
	cfg.IdempotencyTTL = time.Hour
	s, err := domain.New(cfg, store, clock, &counter{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// counter makes distinct ids.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) NewID() (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", c.n), nil
}

// payloads returns the data of every object but the records.
func payloads(mem *memstore.Store) []string {
	var got []string
	for _, k := range mem.Keys() {
		if !strings.HasPrefix(k, ports.RecordPrefix) {
			b, _ := mem.Data(k)
			got = append(got, string(b))
		}
	}
	return got
}

// TestIdempotencyFailures injects a failure at each step of an idempotent drop: the request
// fails with a 5xx (or succeeds, retrying inside), and the client's next retry completes the
// drop exactly once; nothing is lost, nothing stored twice.
func TestIdempotencyFailures(t *testing.T) {
	boom := errors.New("injected: connection reset")
	conflict := ports.Errorf(ports.EConcurrent, "injected 409 ConditionalRequestConflict")
	tests := []struct {
		name        string
		fault       fault
		firstFails  bool // the first request fails; the retry completes the drop
		retryReplay bool // the retry finds the payload stored already
	}{
		{"record write fails", fault{op: opRecord, err: boom, times: 1}, true, false},
		{"record written, then the write reports a failure", fault{op: opRecord, after: true, err: boom, times: 1}, true, false},
		{"payload write fails after the record", fault{op: opPayload, err: boom, times: 1}, true, false},
		{"payload written, then the write reports a failure", fault{op: opPayload, after: true, err: boom, times: 1}, true, true},
		{"record write conflicts (409), retried inside", fault{op: opRecord, err: conflict, times: 2}, false, true},
		{"payload write conflicts (409), retried inside", fault{op: opPayload, err: conflict, times: 2}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, mem := faultyStore(tt.fault)
			s := idemService(t, store, &settable{now: time.Now()})
			first, err := s.Drop(context.Background(), idemRequest("hello"))
			if tt.firstFails {
				if ports.ErrorCode(err) != ports.EStorage {
					t.Fatalf("first request: %v, want a storage error (503)", err)
				}
			} else if err != nil || first.Replayed {
				t.Fatalf("first request: %+v, %v; want a new drop despite the conflicts", first, err)
			}
			retry, err := s.Drop(context.Background(), idemRequest("hello"))
			if err != nil {
				t.Fatalf("retry: %v, want 202", err)
			}
			if retry.Replayed != tt.retryReplay {
				t.Errorf("retry replayed %v, want %v", retry.Replayed, tt.retryReplay)
			}
			if got := payloads(mem); len(got) != 1 || got[0] != "hello" {
				t.Errorf("stored %q, want the payload exactly once", got)
			}
		})
	}
}

// TestIdempotencyReadFails: a failed read of the record is a 503 that changes nothing.
func TestIdempotencyReadFails(t *testing.T) {
	store, mem := faultyStore(fault{op: opGet, err: errors.New("injected: timeout"), times: 1})
	s := idemService(t, store, &settable{now: time.Now()})
	if _, err := s.Drop(context.Background(), idemRequest("hello")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Drop(context.Background(), idemRequest("hello")); ports.ErrorCode(err) != ports.EStorage {
		t.Fatalf("retry with the read failing: %v, want a storage error", err)
	}
	res, err := s.Drop(context.Background(), idemRequest("hello"))
	if err != nil || !res.Replayed {
		t.Fatalf("next retry: %+v, %v; want a replay", res, err)
	}
	if got := payloads(mem); len(got) != 1 {
		t.Errorf("stored %q, want one", got)
	}
}

// TestIdempotencyExpiredReplaceFails: after the TTL, a failed replace of the old record is a
// 503; the retry replaces it and stores the payload as a new drop, once.
func TestIdempotencyExpiredReplaceFails(t *testing.T) {
	store, mem := faultyStore(fault{op: opReplace, err: errors.New("injected"), times: 1})
	clock := &settable{now: time.Now()}
	s := idemService(t, store, clock)
	if _, err := s.Drop(context.Background(), idemRequest("hello")); err != nil {
		t.Fatal(err)
	}
	clock.add(2 * time.Hour)
	if _, err := s.Drop(context.Background(), idemRequest("hello")); ports.ErrorCode(err) != ports.EStorage {
		t.Fatalf("expired, replace failing: %v, want a storage error", err)
	}
	for i, wantReplay := range []bool{false, true} {
		res, err := s.Drop(context.Background(), idemRequest("hello"))
		if err != nil || res.Replayed != wantReplay {
			t.Fatalf("retry %d: %+v, %v; want replayed %v", i, res, err, wantReplay)
		}
	}
	if got := payloads(mem); len(got) != 2 {
		t.Errorf("stored %q, want two: the first drop, and the new one after the TTL", got)
	}
}

// TestIdempotencyContentionIsBounded: a store that always reports a concurrent write makes a
// 503, not a hang.
func TestIdempotencyContentionIsBounded(t *testing.T) {
	store, _ := faultyStore(fault{op: opRecord, err: ports.Errorf(ports.EConcurrent, "409"), times: 1 << 30})
	s := idemService(t, store, &settable{now: time.Now()})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.Drop(ctx, idemRequest("hello")); ports.ErrorCode(err) != ports.EStorage {
		t.Fatalf("endless conflicts: %v, want a storage error", err)
	}
	if n := len(store.PutCalls()); n < 2 || n > 8 {
		t.Errorf("%d record writes, want a few retries, bounded", n)
	}
}

func TestIdempotencyKeyValidation(t *testing.T) {
	tests := []struct {
		key  string
		want string
	}{
		{"order-42", ""},
		{`"8e03978e-40d5-43e8-bc93-6894a57f9324"`, ""},
		{strings.Repeat("k", 255), ""},
		{strings.Repeat("k", 256), ports.EBadIdempotencyKey},
		{"", ports.EBadIdempotencyKey},
		{`""`, ports.EBadIdempotencyKey},
		{"has space", ports.EBadIdempotencyKey},
		{"ünïcode", ports.EBadIdempotencyKey},
	}
	for _, tt := range tests {
		store, mem := faultyStore()
		s := idemService(t, store, &settable{now: time.Now()})
		req := idemRequest("hello")
		req.Header.(header)["idempotency-key"] = tt.key
		_, err := s.Drop(context.Background(), req)
		if got := ports.ErrorCode(err); got != tt.want {
			t.Errorf("key %q: code %q, want %q", tt.key, got, tt.want)
		}
		if tt.want != "" && len(mem.Keys()) != 0 {
			t.Errorf("key %q: stored something on a refusal", tt.key)
		}
	}
}
