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
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// The store operations the idempotent drop makes.
const (
	opRecord  = "record"  // the create-only write of a record
	opReplace = "replace" // the conditional replace of an expired record
	opGet     = "get"     // the read of a record
	opPayload = "payload" // the create-only write of the payload
)

// fault is an injected failure: of the next call of op, before the store acts or after it
// (a lost answer, reported as the real stores report it: ports.ErrUnknown).
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
	write := func(op string, do func() error) error {
		err, after := inject(op)
		if err == nil {
			return do()
		}
		if after {
			do()
		}
		return err
	}
	mock := &mocks.ObjectStoreMock{
		CreateFunc: func(ctx context.Context, obj ports.Object) error {
			op := opPayload
			if strings.HasPrefix(obj.Key, domain.RecordPrefix) {
				op = opRecord
			}
			return write(op, func() error { return mem.Create(ctx, obj) })
		},
		ReplaceFunc: func(ctx context.Context, obj ports.Object, etag string) error {
			return write(opReplace, func() error { return mem.Replace(ctx, obj, etag) })
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

// Injected errors, as the stores report them.
var (
	errReset    = errors.New("injected: connection refused")                                             // definite: nothing written
	errLost     = fmt.Errorf("injected: %w: connection reset after the request", ports.ErrUnknown)       // the answer lost
	errLostThen = fmt.Errorf("injected: %w after a lost answer (%w)", ports.ErrExists, ports.ErrUnknown) // the store's retry found its own write
	errConflict = fmt.Errorf("injected 409 ConditionalRequestConflict: %w", ports.ErrConcurrent)
)

// idemRequest is a drop of payload with an Idempotency-Key.
func idemRequest(payload string) ports.DropRequest {
	h := validHeader()
	h["content-length"] = "5"
	h["idempotency-key"] = "order-42"
	return ports.DropRequest{Method: "POST", Header: h, Body: body(payload)}
}

func idemService(t *testing.T, store ports.ObjectStore, clock ports.Clock) *domain.Service {
	t.Helper()
	cfg := config()
	cfg.IdempotencyTTL = time.Hour
	s, err := domain.New(cfg, store, clock, &porttest.IDs{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// payloads returns the data of every object but the records.
func payloads(mem *memstore.Store) []string {
	var got []string
	for _, k := range mem.Keys() {
		if !strings.HasPrefix(k, domain.RecordPrefix) {
			o, _ := mem.Get(context.Background(), k)
			got = append(got, string(o.Data))
		}
	}
	return got
}

// TestIdempotencyFailures injects a failure at each step of an idempotent drop, a write that
// fails cleanly and one that succeeds and loses its answer: the request fails with a 5xx (503
// when this request stored no payload, 504 when the payload's own write may have succeeded), or
// succeeds, retrying inside; and the client's next retry completes the drop exactly once.
// Nothing is lost, nothing stored twice, and "not stored" is never said of a stored payload.
func TestIdempotencyFailures(t *testing.T) {
	tests := []struct {
		name        string
		fault       fault
		firstCode   string // "": the first request succeeds
		retryReplay bool   // the retry finds the payload stored already
	}{
		{"record write fails", fault{op: opRecord, err: errReset, times: 1}, domain.EStorage, false},
		{"record written, its answer lost: read, found its own", fault{op: opRecord, after: true, err: errLost, times: 1}, "", true},
		{"record not written, its answer lost: read, claimed again", fault{op: opRecord, err: errLost, times: 1}, "", true},
		{"expired record replaced, its answer lost", fault{op: opReplace, after: true, err: errLost, times: 1}, "", true},
		{"record written, answer lost, the store's retry finds it", fault{op: opRecord, after: true, err: errLostThen, times: 1}, "", true},
		{"payload write fails after the record", fault{op: opPayload, err: errReset, times: 1}, domain.EStorage, false},
		{"payload written, its answer lost", fault{op: opPayload, after: true, err: errLost, times: 1}, domain.EStorageUnknown, true},
		{"payload written, answer lost, the store's retry finds it", fault{op: opPayload, after: true, err: errLostThen, times: 1}, "", true},
		{"record write conflicts (409), retried inside", fault{op: opRecord, err: errConflict, times: 2}, "", true},
		{"payload write conflicts (409), retried inside", fault{op: opPayload, err: errConflict, times: 2}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, mem := faultyStore(tt.fault)
			s := idemService(t, store, porttest.NewClock(time.Now()))
			first, err := s.Drop(context.Background(), idemRequest("hello"))
			if got := domain.ErrorCode(err); got != tt.firstCode || (err == nil && first.Replayed) {
				t.Fatalf("first request: %+v, %v (code %q); want code %q and no replay", first, err, got, tt.firstCode)
			}
			stored := len(payloads(mem)) == 1
			if msg := domain.ErrorMessage(err); stored && strings.Contains(msg, "not stored") {
				t.Errorf("the payload is stored, yet the answer says %q", msg)
			}
			if tt.firstCode == domain.EStorage && stored {
				t.Errorf("503 (nothing stored by this request), yet the payload is stored")
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
	s := idemService(t, store, porttest.NewClock(time.Now()))
	if _, err := s.Drop(context.Background(), idemRequest("hello")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Drop(context.Background(), idemRequest("hello")); domain.ErrorCode(err) != domain.EStorage {
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
	clock := porttest.NewClock(time.Now())
	s := idemService(t, store, clock)
	if _, err := s.Drop(context.Background(), idemRequest("hello")); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Hour)
	if _, err := s.Drop(context.Background(), idemRequest("hello")); domain.ErrorCode(err) != domain.EStorage {
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
	store, _ := faultyStore(fault{op: opRecord, err: errConflict, times: 1 << 30})
	s := idemService(t, store, porttest.NewClock(time.Now()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.Drop(ctx, idemRequest("hello")); domain.ErrorCode(err) != domain.EStorage {
		t.Fatalf("endless conflicts: %v, want a storage error", err)
	}
	if n := len(store.CreateCalls()); n < 2 || n > 8 {
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
		{strings.Repeat("k", 256), domain.EBadIdempotencyKey},
		{"", domain.EBadIdempotencyKey},
		{`""`, domain.EBadIdempotencyKey},
		{"has space", domain.EBadIdempotencyKey},
		{"ünïcode", domain.EBadIdempotencyKey},
	}
	for _, tt := range tests {
		store, mem := faultyStore()
		s := idemService(t, store, porttest.NewClock(time.Now()))
		req := idemRequest("hello")
		req.Header.(porttest.Header)["idempotency-key"] = tt.key
		_, err := s.Drop(context.Background(), req)
		if got := domain.ErrorCode(err); got != tt.want {
			t.Errorf("key %q: code %q, want %q", tt.key, got, tt.want)
		}
		if tt.want != "" && len(mem.Keys()) != 0 {
			t.Errorf("key %q: stored something on a refusal", tt.key)
		}
	}
}
