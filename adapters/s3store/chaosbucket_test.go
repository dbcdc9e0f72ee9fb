package s3store_test

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"

	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/s3script"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
	"github.com/s3-dropbox/s3-dropbox/ports/storetest"
)

// chaosFault is how the chaos bucket answers one PUT.
type chaosFault int

const (
	faultNone             chaosFault = iota
	faultLostAfter                   // committed, the connection closed without an answer
	faultLostBefore                  // not committed, the connection closed without an answer
	faultLostLater                   // the connection closed at once; the write commits a moment later (in flight)
	faultInternalAfter               // committed, answered 500 InternalError
	faultInternalBefore              // not committed, answered 500 InternalError
	faultSlowDown                    // refused: 503 SlowDown
	faultUnavailableAfter            // committed, answered 503 ServiceUnavailable
	faultConflict                    // refused: 409 ConditionalRequestConflict
	faultSlowAfter                   // committed, answered 200 after a while (the client may have given up)
	faultSlowBefore                  // answered after a while (the client may have given up), then committed
	nFaults
)

// chaosBucket is one S3 bucket on loopback that keeps objects in memory, honours If-None-Match
// and If-Match (409 while a conditional write of the key is in flight), and answers each PUT
// and GET with a random fault.
type chaosBucket struct {
	mu       sync.Mutex
	objects  map[string][]byte
	inflight map[string]int
	rng      *rand.Rand
	faultPct int
	later    sync.WaitGroup // the requests being answered, and the writes still to commit
}

func (b *chaosBucket) fault() chaosFault {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rng.IntN(100) >= b.faultPct {
		return faultNone
	}
	return chaosFault(1 + b.rng.IntN(int(nFaults)-1))
}

func etag(data []byte) string {
	sum := md5.Sum(data)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// commit applies a PUT; it returns the status S3 would answer.
func (b *chaosBucket) commit(key string, data []byte, ifNoneMatch, ifMatch string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	cur, ok := b.objects[key]
	switch {
	case ifNoneMatch == "*" && ok:
		return http.StatusPreconditionFailed
	case ifMatch != "" && !ok:
		return http.StatusNotFound
	case ifMatch != "" && etag(cur) != ifMatch:
		return http.StatusPreconditionFailed
	}
	b.objects[key] = data
	return http.StatusOK
}

func answer(w http.ResponseWriter, status int, data []byte) {
	switch status {
	case http.StatusOK:
		w.Header().Set("ETag", etag(data))
		w.WriteHeader(http.StatusOK)
	case http.StatusPreconditionFailed:
		s3script.WriteError(w, status, "PreconditionFailed")
	case http.StatusNotFound:
		s3script.WriteError(w, status, "NoSuchKey")
	}
}

func (b *chaosBucket) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.later.Add(1) // a slow answer may commit after its client gave up
	defer b.later.Done()
	key := strings.TrimPrefix(r.URL.Path, "/bucket/")
	if r.Method == http.MethodGet {
		f := b.fault()
		if f == faultLostBefore || f == faultLostAfter {
			s3script.HangUp(w, false)
			return
		}
		if f == faultInternalBefore {
			s3script.WriteError(w, 500, "InternalError")
			return
		}
		b.mu.Lock()
		data, ok := b.objects[key]
		b.mu.Unlock()
		if !ok {
			s3script.WriteError(w, http.StatusNotFound, "NoSuchKey")
			return
		}
		sum := sha256.Sum256(data)
		w.Header().Set("ETag", etag(data))
		w.Header().Set("x-amz-checksum-sha256", base64.StdEncoding.EncodeToString(sum[:]))
		w.Write(data)
		return
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	inm, im := r.Header.Get("If-None-Match"), r.Header.Get("If-Match")
	f := b.fault()
	b.mu.Lock()
	busy := b.inflight[key] > 0
	if busy && f != faultSlowDown {
		b.mu.Unlock()
		s3script.WriteError(w, http.StatusConflict, "ConditionalRequestConflict")
		return
	}
	if f == faultLostLater {
		b.inflight[key]++
		b.later.Add(1)
		b.mu.Unlock()
		s3script.HangUp(w, false)
		go func() {
			defer b.later.Done()
			time.Sleep(time.Duration(1+rand.IntN(5)) * time.Millisecond)
			b.commit(key, data, inm, im)
			b.mu.Lock()
			b.inflight[key]--
			b.mu.Unlock()
		}()
		return
	}
	b.mu.Unlock()
	switch f {
	case faultNone:
		answer(w, b.commit(key, data, inm, im), data)
	case faultLostAfter:
		b.commit(key, data, inm, im)
		s3script.HangUp(w, false)
	case faultLostBefore:
		s3script.HangUp(w, false)
	case faultInternalAfter:
		b.commit(key, data, inm, im)
		s3script.WriteError(w, 500, "InternalError")
	case faultInternalBefore:
		s3script.WriteError(w, 500, "InternalError")
	case faultSlowDown:
		s3script.WriteError(w, 503, "SlowDown")
	case faultUnavailableAfter:
		b.commit(key, data, inm, im)
		s3script.WriteError(w, 503, "ServiceUnavailable")
	case faultConflict:
		s3script.WriteError(w, http.StatusConflict, "ConditionalRequestConflict")
	case faultSlowAfter:
		status := b.commit(key, data, inm, im)
		slow(r)
		answer(w, status, data)
	case faultSlowBefore:
		slow(r)
		answer(w, b.commit(key, data, inm, im), data)
	}
}

// chaosFaultPct is the share of the chaos bucket's answers that are faults, in percent.
var chaosFaultPct = 40

// slow waits until the client hangs up, or 20ms.
func slow(r *http.Request) {
	t := time.NewTimer(20 * time.Millisecond)
	defer t.Stop()
	select {
	case <-r.Context().Done():
	case <-t.C:
	}
}

// chaosStore returns the real s3store and SDK against a chaos bucket, and settle, which
// closes the bucket's server once its requests have ended and waits for the writes still to
// commit.
func chaosStore(t *testing.T, b *chaosBucket) (store ports.ObjectStore, settle func()) {
	t.Helper()
	ts := httptest.NewServer(b)
	t.Cleanup(ts.Close)
	settle = func() {
		ts.Close() // no request starts after: the bucket's later counts no more
		b.later.Wait()
	}
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDFAKE", "fake-secret", "")),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = 2 * time.Millisecond })
		}))
	if err != nil {
		t.Fatal(err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(ts.URL)
		o.UsePathStyle = true
		o.Logger = logging.Nop{} // the checksum middleware's notes on error answers
	})
	return s3store.New(client, "bucket"), settle
}

// newChaosBucket returns a chaos bucket whose faults follow from a seed (CHAOS_SEED, printed;
// random when unset) and salt.
func newChaosBucket(t *testing.T, salt uint64) *chaosBucket {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("CHAOS_SEED"); v != "" {
		fmt.Sscan(v, &seed)
	}
	t.Logf("CHAOS_SEED=%d repeats this run", seed)
	return &chaosBucket{objects: map[string][]byte{}, inflight: map[string]int{}, rng: rand.New(rand.NewPCG(seed, salt)), faultPct: chaosFaultPct}
}

// deadlines are the requests' deadlines in turn (0: none), so that some give up mid-write.
var deadlines = []time.Duration{0, 5 * time.Millisecond, 15 * time.Millisecond, 0}

// TestSharedKeysInAChaosBucket: the shared-keys scenario (storetest.SharedKeys, every other
// group without a key) through the core, the real s3store and the SDK into a bucket that
// answers PUTs and GETs with random faults (committed or not, lost, 500, 503 SlowDown or
// ServiceUnavailable, 409, writes still in flight), some requests giving up mid-write.
func TestSharedKeysInAChaosBucket(t *testing.T) {
	b := newChaosBucket(t, 1)
	store, settle := chaosStore(t, b)
	drop := storetest.CoreDrop(storetest.NewCore(t, store, porttest.NewClock(time.Now())))
	storetest.SharedKeys{
		Groups: 150, Sharing: 3, Parallel: 8, UnkeyedEvery: 2,
		Drop: func(ctx context.Context, idemKey, payload string) storetest.Answer {
			if d := deadlines[storetest.Writer(ctx)%len(deadlines)]; d > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, d)
				defer cancel()
			}
			return drop(ctx, idemKey, payload)
		},
		Stored: func(t *testing.T, _ []string) []storetest.Object {
			settle()
			var got []storetest.Object
			for k, v := range b.objects {
				if !strings.HasPrefix(k, domain.RecordPrefix) {
					got = append(got, storetest.Object{Key: k, Payload: string(v)})
				}
			}
			return got
		},
	}.Run(t)
}

// TestRetriesInAChaosBucket: clients each retrying one payload with one Idempotency-Key after
// each failure, in turn, until a 202 (three attempts at most), through the core, the real
// s3store and the SDK into the chaos bucket: a 202 is its payload stored once, at the key it
// said; a payload stored was told its client stored or unknown (504) by some attempt; a
// payload never stored twice.
func TestRetriesInAChaosBucket(t *testing.T) {
	b := newChaosBucket(t, 2)
	store, settle := chaosStore(t, b)
	drop := storetest.CoreDrop(storetest.NewCore(t, store, porttest.NewClock(time.Now())))
	const clients, attempts = 50, 3
	answers := make([][]storetest.Answer, clients)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range clients {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			for j := range attempts {
				ctx := context.Background()
				if d := deadlines[(i+j)%len(deadlines)]; d > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, d)
					defer cancel()
				}
				a := drop(ctx, fmt.Sprintf("idem-%d", i), fmt.Sprintf("payload-%d", i))
				answers[i] = append(answers[i], a)
				if a.Code == "" {
					break
				}
			}
		})
	}
	wg.Wait()
	settle()
	count, where := map[string]int{}, map[string]string{}
	for k, v := range b.objects {
		if !strings.HasPrefix(k, domain.RecordPrefix) {
			count[string(v)]++
			where[string(v)] = k
		}
	}
	for i, as := range answers {
		p := fmt.Sprintf("payload-%d", i)
		n := count[p]
		claimed := false
		for _, a := range as {
			switch a.Code {
			case "":
				claimed = claimed || !a.Replayed
				if n != 1 || a.Key != where[p] {
					t.Errorf("client %d: 202 with key %q; the payload is stored %d times, at %q; answers %+v", i, a.Key, n, where[p], as)
				}
			case domain.EStorageUnknown:
				claimed = true
			case domain.EStorage:
			default:
				t.Errorf("client %d: answer %q", i, a.Code)
			}
		}
		switch {
		case n > 1:
			t.Errorf("client %d: payload stored %d times; answers %+v", i, n, as)
		case n == 1 && !claimed:
			t.Errorf("client %d: the payload is stored, but its one client was told replayed or not stored by every attempt, in turn; answers %+v", i, as)
		}
	}
}
