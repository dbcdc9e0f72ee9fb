package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// Answer is how the core ended one drop: Code is its error code ("" when the payload is
// stored, or found stored by an earlier request with the same key: Replayed), Key where it
// said the payload is ("" when it does not say).
type Answer struct {
	Code     string
	Replayed bool
	Key      string
	Detail   string // anything else worth printing with a failure
}

// AnswerOf returns the Answer of a core's drop.
func AnswerOf(res ports.DropResult, err error) Answer {
	return Answer{Code: domain.ErrorCode(err), Replayed: err == nil && res.Replayed, Key: res.Key}
}

// Object is a payload found in the store once the scenario's writes have landed: its key, its
// data, and, when the harness can say, the requests that wrote it (Writer's numbers).
type Object struct {
	Key, Payload string
	Writers      []int
}

// SharedKeys is the shared-keys scenario: Groups groups of Sharing requests sent at once, the
// requests of a group sharing one Idempotency-Key and one payload but the last of every third
// group, which sends a payload of its own (foreign to the key), and every UnkeyedEvery-th group
// sent without a key (each request its own payload). Once every write has landed, Run
// reconciles each answer with what the store holds.
type SharedKeys struct {
	Groups, Sharing int
	Parallel        int    // requests in flight at most; 0: all at once
	UnkeyedEvery    int    // 0: every group has a key
	Prefix          string // of the payloads and keys, so that runs sharing a bucket differ
	// Expiring says the records may expire during the run (after the TTL a retry is a new
	// drop): a payload may then be stored more than once, and a key hold two.
	Expiring bool
	// Attributed says Stored names the writers of each object: then a 503, a replay or a 422
	// is never said by a request that wrote its payload.
	Attributed bool
	// Drop sends payload with the Idempotency-Key idemKey ("": none); ctx carries the
	// request's number (Writer).
	Drop func(ctx context.Context, idemKey, payload string) Answer
	// Stored returns the payloads in the store (records aside) once every write has landed;
	// sent is every payload the scenario may have sent.
	Stored func(t *testing.T, sent []string) []Object
}

type writerKey struct{}

// Writer returns the number of the scenario's request whose drop ctx belongs to; 0: none.
func Writer(ctx context.Context) int { w, _ := ctx.Value(writerKey{}).(int); return w }

// payload returns the payload of request j of group g.
func (sk SharedKeys) payload(g, j int) string {
	switch {
	case sk.UnkeyedEvery > 0 && g%sk.UnkeyedEvery == 0:
		return fmt.Sprintf("%sg%03d-r%d", sk.Prefix, g, j)
	case g%3 == 0 && j == sk.Sharing-1:
		return fmt.Sprintf("%sg%03d-foreign", sk.Prefix, g)
	}
	return fmt.Sprintf("%sg%03d", sk.Prefix, g)
}

func (sk SharedKeys) keyed(g int) bool { return sk.UnkeyedEvery == 0 || g%sk.UnkeyedEvery != 0 }

// Run runs the scenario and reconciles: a 202 is its payload stored, once (with the clock
// still), at the key it said; no payload is stored twice, no key holds two payloads; a 503
// ("not stored") is never said of a payload its request stored, and a group whose every answer
// is 503 has nothing stored; a 422 only where the group sent a foreign payload, never to a
// payload stored; a payload stored has a request that said stored or unknown (504).
func (sk SharedKeys) Run(t *testing.T) {
	t.Helper()
	answers := make([][]Answer, sk.Groups)
	var sent []string
	var wg sync.WaitGroup
	inFlight := sk.Parallel
	if inFlight == 0 {
		inFlight = sk.Groups * sk.Sharing
	}
	sem := make(chan struct{}, inFlight)
	for g := range sk.Groups {
		answers[g] = make([]Answer, sk.Sharing)
		idemKey := ""
		if sk.keyed(g) {
			idemKey = fmt.Sprintf("%skey-%d", sk.Prefix, g)
		}
		for j := range sk.Sharing {
			sent = append(sent, sk.payload(g, j))
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				ctx := context.WithValue(context.Background(), writerKey{}, g*sk.Sharing+j+1)
				answers[g][j] = sk.Drop(ctx, idemKey, sk.payload(g, j))
			})
		}
	}
	wg.Wait()
	copies := map[string][]Object{}
	for _, o := range sk.Stored(t, sent) {
		copies[o.Payload] = append(copies[o.Payload], o)
	}
	tally := map[string]int{}
	for g := range sk.Groups {
		for _, a := range answers[g] {
			tally[a.Code]++
		}
		sk.checkGroup(t, g, answers[g], copies)
	}
	t.Logf("answers by error code (\"\": stored): %v", tally)
}

// checkGroup reconciles the answers of group g with the copies of each payload.
func (sk SharedKeys) checkGroup(t *testing.T, g int, answers []Answer, copies map[string][]Object) {
	t.Helper()
	all503 := true
	claimed := map[string]bool{} // payload → a request said stored or unknown
	for j, a := range answers {
		p := sk.payload(g, j)
		c := copies[p]
		wrote := false
		for _, o := range c {
			for _, w := range o.Writers {
				wrote = wrote || w == g*sk.Sharing+j+1
			}
		}
		all503 = all503 && a.Code == domain.EStorage
		claimed[p] = claimed[p] || a.Code == "" && !a.Replayed || a.Code == domain.EStorageUnknown
		at := fmt.Sprintf("group %d request %d (%q, %v)", g, j, p, a)
		switch {
		case a.Code == "" && len(c) == 0:
			t.Errorf("%s: 202 (replayed %v), but the payload is not stored", at, a.Replayed)
		case a.Code == "" && len(c) != 1 && !sk.Expiring:
			t.Errorf("%s: 202 (replayed %v), but the payload is stored %d times", at, a.Replayed, len(c))
		case a.Code == "" && a.Key != "" && len(c) == 1 && a.Key != c[0].Key && !sk.Expiring:
			t.Errorf("%s: 202 with key %q, the payload is at %q", at, a.Key, c[0].Key)
		case a.Code == "" && a.Replayed && wrote:
			t.Errorf("%s: Idempotent-Replayed, but this request stored the payload", at)
		case a.Code == domain.EStorage && wrote:
			t.Errorf("%s: 503 not stored, but this request stored the payload", at)
		case a.Code == domain.EIdempotencyReused && wrote:
			t.Errorf("%s: 422, but this request stored the payload", at)
		case a.Code == domain.EIdempotencyReused && len(c) > 0 && !sk.Expiring:
			t.Errorf("%s: 422, but its payload is the key's, stored", at)
		case a.Code == domain.EIdempotencyReused && !foreignIn(sk, g):
			t.Errorf("%s: 422, but no request of the group sent another payload", at)
		case len(c) > 1 && !sk.Expiring:
			t.Errorf("%s: answered %q, its payload stored %d times", at, a.Code, len(c))
		case a.Code != "" && a.Code != domain.EStorage && a.Code != domain.EStorageUnknown && a.Code != domain.EIdempotencyReused:
			t.Errorf("%s: answer %q", at, a.Code)
		}
	}
	stored := 0
	for p := range claimed {
		if len(copies[p]) > 0 {
			stored++
			if !claimed[p] {
				t.Errorf("group %d: %q is stored, but every request that sent it was told replayed, 422 or not stored: %v", g, p, answers)
			}
		}
	}
	switch {
	case all503 && stored > 0:
		t.Errorf("group %d: every answer 503, but a payload is stored", g)
	case sk.keyed(g) && stored > 1 && !sk.Expiring:
		t.Errorf("group %d: two payloads stored for one Idempotency-Key", g)
	}
}

// foreignIn reports whether a request of group g sends a payload other than the group's.
func foreignIn(sk SharedKeys, g int) bool {
	return sk.keyed(g) && sk.payload(g, sk.Sharing-1) != sk.payload(g, 0)
}

// CoreDrop returns a SharedKeys.Drop that drops through s as token's client (the CDN's
// credential and the client's as NewCore sets them).
func CoreDrop(s *domain.Service) func(ctx context.Context, idemKey, payload string) Answer {
	return func(ctx context.Context, idemKey, payload string) Answer {
		h := porttest.Header{"x-cdn": "Bearer " + cdnToken, "authorization": "Bearer " + aliceToken,
			"content-length": fmt.Sprint(len(payload))}
		if idemKey != "" {
			h["idempotency-key"] = idemKey
		}
		return AnswerOf(s.Drop(ctx, ports.DropRequest{Method: "POST", Header: h, Body: porttest.Body(payload)}))
	}
}

// NewCore returns the drop use-case over store, records kept an hour by clock's time.
func NewCore(t *testing.T, store ports.ObjectStore, clock ports.Clock) *domain.Service {
	t.Helper()
	s, err := domain.New(domain.Config{
		CDNHeader:      "x-cdn",
		CDNTokens:      []domain.Credential{credential("cdn", cdnToken)},
		AuthTokens:     []domain.Credential{credential("alice", aliceToken), credential("bob", bobToken)},
		IdempotencyTTL: time.Hour,
	}, store, clock, &porttest.IDs{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Stored returns a SharedKeys.Stored that reads h's objects (records aside), writers unknown.
func Stored(h Harness) func(t *testing.T, sent []string) []Object {
	return func(t *testing.T, _ []string) []Object {
		t.Helper()
		var got []Object
		for _, k := range h.Keys(t) {
			if strings.HasPrefix(k, domain.RecordPrefix) {
				continue
			}
			o, err := h.Store.Get(context.Background(), k)
			if err != nil {
				t.Fatalf("listed %s, cannot get it: %v", k, err)
			}
			got = append(got, Object{Key: k, Payload: string(o.Data)})
		}
		return got
	}
}

// testSharedKeys runs the shared-keys scenario through the core over h, without faults: the
// stores' fault tests run it under their faults.
func testSharedKeys(t *testing.T, h Harness) {
	SharedKeys{
		Groups: 30, Sharing: 4, UnkeyedEvery: 5,
		Drop:   CoreDrop(NewCore(t, h.Store, porttest.NewClock(time.Now()))),
		Stored: Stored(h),
	}.Run(t)
}
