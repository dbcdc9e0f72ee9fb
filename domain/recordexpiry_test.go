package domain_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// without returns a copy of mem without the object under key: mem after something else (a
// lifecycle rule) removed it.
func without(t *testing.T, mem *memstore.Store, key string) *memstore.Store {
	t.Helper()
	out := memstore.New()
	for _, k := range mem.Keys() {
		if k == key {
			continue
		}
		o, err := mem.Get(context.Background(), k)
		if err != nil {
			t.Fatal(err)
		}
		if err := out.Create(context.Background(), o); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestRecordOutlivingItsDrop: the core trusts a record for the whole TTL. A retry whose drop
// was removed while its record still holds writes the payload again at the record's key,
// answered as stored, not replayed: which is why the TTL it is given must be no longer than the
// drops are kept (wiring bounds IDEMPOTENCY_TTL by DROP_EXPIRY). Once the record is older than
// the TTL, the retry is a new drop under a new key, and the key holds for it.
func TestRecordOutlivingItsDrop(t *testing.T) {
	tests := []struct {
		name    string
		age     time.Duration // the record's, at the retry
		sameKey bool          // the retry writes at the first drop's key
	}{
		{"removed within the TTL", time.Hour, true},
		{"removed after the TTL", time.Hour + time.Nanosecond, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memstore.New()
			clock := porttest.NewClock(time.Date(2026, 12, 6, 10, 30, 0, 0, time.UTC))
			first, err := idemService(t, mem, clock).Drop(context.Background(), idemRequest("hello"))
			if err != nil || first.Replayed {
				t.Fatalf("first drop: %+v, %v", first, err)
			}
			mem = without(t, mem, first.Key)
			clock.Advance(tt.age)
			s := idemService(t, mem, clock)
			retry, err := s.Drop(context.Background(), idemRequest("hello"))
			if err != nil || retry.Replayed {
				t.Fatalf("retry after its drop was removed: %+v, %v; want 202 stored", retry, err)
			}
			if got := retry.Key == first.Key; got != tt.sameKey {
				t.Errorf("retry stored at %s, the first at %s: same key %v, want %v", retry.Key, first.Key, got, tt.sameKey)
			}
			again, err := s.Drop(context.Background(), idemRequest("hello"))
			if err != nil || !again.Replayed || again.Key != retry.Key {
				t.Errorf("the next retry: %+v, %v; want the retry's drop replayed", again, err)
			}
			if got := payloads(mem); len(got) != 1 || got[0] != "hello" {
				t.Errorf("stored %q, want the payload once", got)
			}
			var records int
			for _, k := range mem.Keys() {
				if strings.HasPrefix(k, domain.RecordPrefix) {
					records++
				}
			}
			if records != 1 {
				t.Errorf("%d records, want the key's one", records)
			}
		})
	}
}
