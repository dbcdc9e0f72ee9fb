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
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
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

// chaosCore returns the core over the real s3store and SDK against a chaos bucket.
func chaosCore(t *testing.T, b *chaosBucket) *domain.Service {
	t.Helper()
	ts := httptest.NewServer(b)
	t.Cleanup(ts.Close)
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
	core := facetest.Core(t, s3store.New(client, "bucket"))
	return core
}

type chaosAnswer struct {
	code     string
	replayed bool
	key      string
}

func chaosDrop(core *domain.Service, payload, idemKey string, deadline time.Duration) chaosAnswer {
	h := porttest.Header{
		facetest.CDNHeader: "Bearer " + facetest.CDNToken,
		"authorization":    "Bearer " + facetest.AuthToken,
		"content-length":   fmt.Sprint(len(payload)),
	}
	if idemKey != "" {
		h[domain.IdempotencyHeader] = idemKey
	}
	ctx := context.Background()
	if deadline > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, deadline)
		defer cancel()
	}
	res, err := core.Drop(ctx, ports.DropRequest{Method: "POST", Header: h, Body: porttest.Body(payload)})
	return chaosAnswer{domain.ErrorCode(err), res.Replayed, res.Key}
}

// TestChaosBucket drops payloads through the core, the real s3store and the SDK into a
// bucket that answers PUTs and GETs with random faults (committed or not, lost, 500, 503
// SlowDown or ServiceUnavailable, 409, writes still in flight), with and without
// Idempotency-Keys, several requests sharing a key at once; then reconciles the bucket with
// the answers: a 202 is its payload stored once; "not stored" is said only of what no request
// stored; a 504 is at most once; a replay is never the only claim on a payload stored.
func TestChaosBucket(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("CHAOS_SEED"); v != "" {
		fmt.Sscan(v, &seed)
	}
	t.Logf("seed %d", seed)
	b := &chaosBucket{objects: map[string][]byte{}, inflight: map[string]int{}, rng: rand.New(rand.NewPCG(seed, 1)), faultPct: chaosFaultPct}
	core := chaosCore(t, b)

	const plain, keyed, sharing = 200, 100, 3
	deadlines := []time.Duration{0, 5 * time.Millisecond, 15 * time.Millisecond, 0}
	type drop struct {
		payload string
		answers []chaosAnswer
	}
	drops := make([]drop, plain+keyed)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range drops {
		d := &drops[i]
		d.payload = fmt.Sprintf("payload-%d-%d", seed, i)
		n, idem := 1, ""
		if i >= plain {
			n, idem = sharing, fmt.Sprintf("idem-%d-%d", seed, i)
		}
		d.answers = make([]chaosAnswer, n)
		if i >= plain+keyed/2 { // one client, retrying after each failure with the same key
			d.answers = d.answers[:0]
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				for j := range sharing {
					a := chaosDrop(core, d.payload, idem, deadlines[(i+j)%len(deadlines)])
					d.answers = append(d.answers, a)
					if a.code == "" {
						break
					}
				}
			})
			continue
		}
		for j := range n {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				d.answers[j] = chaosDrop(core, d.payload, idem, deadlines[(i+j)%len(deadlines)])
			})
		}
	}
	wg.Wait()
	b.later.Wait()

	count := map[string]int{}
	where := map[string]string{}
	for k, v := range b.objects {
		if !strings.HasPrefix(k, domain.RecordPrefix) {
			count[string(v)]++
			where[string(v)] = k
		}
	}
	tally := map[string]int{}
	for i, d := range drops {
		n := count[d.payload]
		var stored, replays, unknown, notStored int
		for _, a := range d.answers {
			tally[a.code]++
			switch a.code {
			case "":
				if a.replayed {
					replays++
				} else {
					stored++
				}
				if a.key != where[d.payload] {
					t.Errorf("drop %d: 202 with key %q, the payload is at %q", i, a.key, where[d.payload])
				}
			case domain.EStorageUnknown:
				unknown++
			case domain.EStorage:
				notStored++
			default:
				t.Errorf("drop %d: answer %q", i, a.code)
			}
		}
		switch {
		case n > 1:
			t.Errorf("drop %d: payload stored %d times; answers %+v", i, n, d.answers)
		case stored+replays > 0 && n != 1:
			t.Errorf("drop %d: 202 but the payload is stored %d times; answers %+v", i, n, d.answers)
		case n == 1 && notStored == len(d.answers):
			t.Errorf("drop %d: every answer says not stored, the payload is stored; answers %+v", i, d.answers)
		case n == 1 && stored == 0 && unknown == 0 && i >= plain+keyed/2:
			t.Errorf("drop %d: the payload is stored, but its one client was told replayed or not stored by every attempt, in turn; answers %+v", i, d.answers)
		case n == 1 && stored == 0 && unknown == 0:
			t.Errorf("drop %d: the payload is stored, but every answer is a replay or not stored; answers %+v", i, d.answers)
		}
	}
	t.Logf("answers: %v", tally)
}
