package storetest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// Tokens of the two clients of the idempotency contract.
const (
	cdnToken   = "cdn-token"
	aliceToken = "alice-token"
	bobToken   = "bob-token"
)

func credential(name, token string) domain.Credential {
	return domain.Credential{Name: name, Digest: sha256.Sum256([]byte(token))}
}

// core returns the drop use-case over the harness's store, with two clients and a clock the
// test moves.
func core(t *testing.T, h Harness, clock *porttest.Clock) *domain.Service {
	t.Helper()
	return NewCore(t, h.Store, clock)
}

// drop sends payload as token's client with an Idempotency-Key.
func drop(s *domain.Service, token, key, payload string) (ports.DropResult, error) {
	return s.Drop(context.Background(), ports.DropRequest{
		Method: "POST",
		Header: porttest.Header{"x-cdn": "Bearer " + cdnToken, "authorization": "Bearer " + token,
			"content-length": fmt.Sprint(len(payload)), "idempotency-key": key},
		Body: porttest.Body(payload),
	})
}

// RunIdempotency runs the Idempotency-Key contract of the core against stores made by
// newHarness: it holds only if the store's create-only writes, reads and conditional replaces
// behave as S3's do.
func RunIdempotency(t *testing.T, newHarness func(t *testing.T) Harness) {
	t.Run("Replay", func(t *testing.T) { idempotencyReplay(t, newHarness(t)) })
	t.Run("OtherPayload", func(t *testing.T) { idempotencyOtherPayload(t, newHarness(t)) })
	t.Run("TwoClients", func(t *testing.T) { idempotencyTwoClients(t, newHarness(t)) })
	t.Run("Concurrent", func(t *testing.T) { idempotencyConcurrent(t, newHarness(t)) })
	t.Run("SharedKeys", func(t *testing.T) { testSharedKeys(t, newHarness(t)) })
	t.Run("Expiry", func(t *testing.T) { idempotencyExpiry(t, newHarness(t)) })
}

// idempotencyReplay: a retry with the key and the payload is a replay of the first drop.
func idempotencyReplay(t *testing.T, h Harness) {
	s := core(t, h, porttest.NewClock(time.Now()))
	first, err := drop(s, aliceToken, "order-1", "payload one")
	if err != nil || first.Replayed {
		t.Fatalf("first drop: %+v, %v", first, err)
	}
	again, err := drop(s, aliceToken, "order-1", "payload one")
	if err != nil || !again.Replayed || again.Key != first.Key {
		t.Fatalf("retry: %+v, %v; want a replay of %s", again, err, first.Key)
	}
	wantObjects(t, h, "payload one")
}

// idempotencyOtherPayload: the key with another payload is refused, and nothing more stored.
func idempotencyOtherPayload(t *testing.T, h Harness) {
	s := core(t, h, porttest.NewClock(time.Now()))
	if _, err := drop(s, aliceToken, "order-1", "payload one"); err != nil {
		t.Fatal(err)
	}
	_, err := drop(s, aliceToken, "order-1", "payload two")
	if domain.ErrorCode(err) != domain.EIdempotencyReused {
		t.Fatalf("same key, other payload: %v, want %q", err, domain.EIdempotencyReused)
	}
	wantObjects(t, h, "payload one")
}

// idempotencyTwoClients: two clients' same key and payload are two drops.
func idempotencyTwoClients(t *testing.T, h Harness) {
	s := core(t, h, porttest.NewClock(time.Now()))
	for _, token := range []string{aliceToken, bobToken} {
		if res, err := drop(s, token, "order-1", "same payload"); err != nil || res.Replayed {
			t.Fatalf("%s: %+v, %v; want a new drop", token, res, err)
		}
	}
	wantObjects(t, h, "same payload", "same payload")
}

// idempotencyConcurrent: requests with one key at once store the payload once, the others replays of it.
func idempotencyConcurrent(t *testing.T, h Harness) {
	s := core(t, h, porttest.NewClock(time.Now()))
	const n = 50
	var wg sync.WaitGroup
	results := make([]ports.DropResult, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { results[i], errs[i] = drop(s, bobToken, "order-9", "the one payload") })
	}
	wg.Wait()
	fresh := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("request %d: %v, want 202", i, errs[i])
		}
		if !results[i].Replayed {
			fresh++
		}
		if results[i].Key != results[0].Key {
			t.Errorf("request %d answered key %s, request 0 %s", i, results[i].Key, results[0].Key)
		}
	}
	if fresh != 1 {
		t.Errorf("%d requests stored the payload, want 1 (the others replays)", fresh)
	}
	wantObjects(t, h, "the one payload")
}

// idempotencyExpiry: after the TTL, the key makes a new drop, which its retries replay.
func idempotencyExpiry(t *testing.T, h Harness) {
	clock := porttest.NewClock(time.Now())
	s := core(t, h, clock)
	if _, err := drop(s, aliceToken, "order-1", "payload one"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(59 * time.Minute)
	if res, err := drop(s, aliceToken, "order-1", "payload one"); err != nil || !res.Replayed {
		t.Fatalf("within the TTL: %+v, %v; want a replay", res, err)
	}
	clock.Advance(2 * time.Minute)
	res, err := drop(s, aliceToken, "order-1", "payload one")
	if err != nil || res.Replayed {
		t.Fatalf("after the TTL: %+v, %v; want a new drop", res, err)
	}
	if again, err := drop(s, aliceToken, "order-1", "payload one"); err != nil || !again.Replayed || again.Key != res.Key {
		t.Fatalf("retry of the new drop: %+v, %v; want a replay of %s", again, err, res.Key)
	}
	wantObjects(t, h, "payload one", "payload one")
}

// wantObjects asserts that the store holds exactly these payloads (records aside).
func wantObjects(t *testing.T, h Harness, payloads ...string) {
	t.Helper()
	keys := objectKeys(t, h)
	var got []string
	for _, k := range keys {
		o, err := h.Store.Get(context.Background(), k)
		if err != nil {
			t.Fatalf("listed %s, cannot get it: %v", k, err)
		}
		got = append(got, string(o.Data))
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(payloads))
	if !slices.Equal(got, want) {
		t.Errorf("store holds %q, want %q", got, want)
	}
}
