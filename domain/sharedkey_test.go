package domain_test

import (
	"context"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// TestConflictOnSharedKey: the payload's key of an idempotent drop is shared by every
// request with the same Idempotency-Key. A 409 that comes without any attempt of this request
// that may have written (another request's write of the key in flight, here landing) proves
// that this request did not write: the 412 that follows is the other's payload, so the drop is
// a replay, and a refusal that follows says nothing was stored by this request.
func TestConflictOnSharedKey(t *testing.T) {
	t.Run("412 after", func(t *testing.T) {
		store, mem := faultyStore(fault{op: opPayload, after: true, err: errConflict, times: 1})
		res, err := idemService(t, store, porttest.NewClock(time.Now())).Drop(context.Background(), idemRequest("hello"))
		if err != nil {
			t.Fatal(err)
		}
		if !res.Replayed {
			t.Errorf("Replayed = false: the drop says it stored the payload, which another request's write stored")
		}
		if got := payloads(mem); len(got) != 1 {
			t.Errorf("payloads %v, want one", got)
		}
	})
	t.Run("refusal after", func(t *testing.T) {
		store, mem := faultyStore(fault{op: opPayload, err: errConflict, times: 1}, fault{op: opPayload, err: errReset, times: 1})
		_, err := idemService(t, store, porttest.NewClock(time.Now())).Drop(context.Background(), idemRequest("hello"))
		if got := domain.ErrorCode(err); got != domain.EStorage {
			t.Errorf("code %q (%v), want %q: this request wrote nothing", got, err, domain.EStorage)
		}
		if got := payloads(mem); len(got) != 0 {
			t.Errorf("payloads %v, want none", got)
		}
	})
}
