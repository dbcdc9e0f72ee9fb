package main

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl"
	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl/funcurltest"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/adapters/system"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports/storetest"
)

// TestDropsThroughFaultsMinIO sends FAULT_DROPS drops without an Idempotency-Key and as many with one
// (500 each by default), 16 at a time, through the Function URL handler, the core, s3store and
// the real SDK, to MinIO through a fault proxy that meets 35% of the requests with a fault:
// answers lost (the connection closed or reset) before or after MinIO acted, 500 before or
// after, 503 SlowDown, 409 ConditionalRequestConflict (GETs: lost, reset, 500, 503). Each
// request's fault follows from the seed (FAULT_SEED, printed; random when unset), the
// request's object and how many times it was sent. It then reconciles the bucket with the
// answers: every 202 stored exactly once, every 503 absent, every 504 at most once. Then the
// drops with a key that were not answered 202 (and a tenth of those that were) are sent again
// without faults: a 202, a replay exactly when it was stored, and stored exactly once in all.
func TestDropsThroughFaultsMinIO(t *testing.T) {
	srv := miniotest.Require(t)
	seed := miniotest.FaultSeed(t)
	n := 500
	if v := os.Getenv("FAULT_DROPS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("FAULT_DROPS=%q: want a positive number", v)
		}
	}
	rig := newChaosRig(t, srv, seed)

	type answer struct {
		status   int
		replayed bool
		body     string
	}
	payload := func(i int) string { return fmt.Sprintf("chaos %d drop %05d %s", seed, i, strings.Repeat("x", i%300)) }
	keyed := func(i int) bool { return i%2 == 1 }
	send := func(i int) answer {
		ev := funcurltest.Event(t, "base64")
		b := base64.StdEncoding.EncodeToString([]byte(payload(i)))
		ev.Body, ev.Headers["content-length"] = &b, strconv.Itoa(len(payload(i)))
		if keyed(i) {
			ev.Headers["idempotency-key"] = fmt.Sprintf("chaos-%d-%d", seed, i)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		resp, err := rig.h.Handle(ctx, ev)
		if err != nil {
			return answer{body: err.Error()}
		}
		return answer{resp.StatusCode, resp.Headers["Idempotent-Replayed"] == "true", resp.Body}
	}
	answers := make([]answer, 2*n)
	payloads := make([]string, len(answers))
	for i := range payloads {
		payloads[i] = payload(i)
	}
	each := func(f func(i int)) {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				for i := int(next.Add(1)) - 1; i < len(answers); i = int(next.Add(1)) - 1 {
					f(i)
				}
			})
		}
		wg.Wait()
	}
	start := time.Now()
	each(func(i int) { answers[i] = send(i) })
	took := time.Since(start)

	counts := payloadCounts(t, rig.plain, rig.bucket, payloads)
	statuses := map[int]int{}
	lies := 0
	for i, a := range answers {
		statuses[a.status]++
		if msg := untrueAnswer(a.status, a.replayed, a.body, counts[payload(i)], false); msg != "" {
			lies++
			t.Errorf("drop %d (key: %v): %s", i, keyed(i), msg)
		}
	}
	t.Logf("seed %d: %d drops in %v, faults %v; answers %v; %d untrue",
		seed, len(answers), took.Round(time.Millisecond), rig.proxy.Counts(), statuses, lies)

	rig.faults.off.Store(true)
	retried := make([]answer, len(answers))
	retry := func(i int) bool { return keyed(i) && (answers[i].status != 202 || i%10 == 1) }
	each(func(i int) {
		if retry(i) {
			retried[i] = send(i)
		}
	})
	after := payloadCounts(t, rig.plain, rig.bucket, payloads)
	for i, a := range retried {
		p := payload(i)
		switch {
		case !keyed(i) && after[p] != counts[p]:
			t.Errorf("drop %d (no key): stored %d times, then %d", i, counts[p], after[p])
		case !retry(i):
		case a.status != 202 || after[p] != 1:
			t.Errorf("drop %d: first %d (stored %d); retry %d %q, stored %d times: want 202, stored once", i, answers[i].status, counts[p], a.status, a.body, after[p])
		case a.replayed != (counts[p] == 1):
			t.Errorf("drop %d: first %d (stored %d); retry replayed %v, want a replay exactly when stored before", i, answers[i].status, counts[p], a.replayed)
		}
	}
}

// untrueAnswer returns what is untrue of a drop's answer (status, its Idempotent-Replayed,
// its body) when the bucket holds the payload n times after it ("" if nothing); storedBefore:
// the payload was stored before the drop.
func untrueAnswer(status int, replayed bool, body string, n int, storedBefore bool) string {
	switch status {
	case 202:
		if n != 1 {
			return fmt.Sprintf("202, stored %d time(s)", n)
		}
		if replayed != storedBefore {
			return fmt.Sprintf("202 with Idempotent-Replayed %v, the payload stored before: %v", replayed, storedBefore)
		}
	case 503:
		if n != 0 {
			return fmt.Sprintf("503 %q, stored %d time(s)", body, n)
		}
	case 504:
		if n > 1 {
			return fmt.Sprintf("504, stored %d times", n)
		}
		if strings.Contains(body, "not stored") {
			return fmt.Sprintf("504 saying %q", body)
		}
	default:
		return fmt.Sprintf("%d %q, stored %d time(s)", status, body, n)
	}
	return ""
}

// payloadCounts returns how many times the bucket holds each of the payloads, the records
// aside; an object that is none of them whole is an error.
func payloadCounts(t *testing.T, client *s3.Client, bucket string, payloads []string) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, o := range storedPayloads(t, client, bucket, payloads) {
		counts[o.Payload]++
	}
	return counts
}

// storedPayloads returns the objects of the bucket, the records aside, each found among the
// payloads by its ETag (MD5); an object that is none of them whole is an error.
func storedPayloads(t *testing.T, client *s3.Client, bucket string, payloads []string) []storetest.Object {
	t.Helper()
	byMD5 := make(map[string]string, len(payloads))
	for _, p := range payloads {
		sum := md5.Sum([]byte(p))
		byMD5[hex.EncodeToString(sum[:])] = p
	}
	var got []storetest.Object
	for k, tag := range miniotest.ETags(t, client, bucket) {
		p, ok := byMD5[tag]
		switch {
		case strings.HasPrefix(k, domain.RecordPrefix):
		case !ok:
			t.Errorf("object %s (ETag %s) is not a payload sent, whole", k, tag)
		default:
			got = append(got, storetest.Object{Key: k, Payload: p})
		}
	}
	return got
}

// chaosRig is the bench of the fault proxy tests: the Function URL handler over the core and s3store,
// writing to a new bucket through a fault proxy whose faults (35% of the requests, drawn from
// the seed; faults.off turns them off) proxy counts, and a client that reaches the bucket
// without faults.
type chaosRig struct {
	h      *funcurl.Handler
	plain  *s3.Client
	bucket string
	faults *chaos
	proxy  *miniotest.FaultProxy
}

// newChaosRig returns a chaosRig on srv for seed.
func newChaosRig(t *testing.T, srv miniotest.Server, seed uint64) chaosRig {
	t.Helper()
	r := chaosRig{plain: srv.Client(t), faults: &chaos{seed: seed, rate: 0.35, sent: map[string]int{}}}
	r.bucket = srv.NewBucket(t, r.plain)
	r.proxy = miniotest.NewFaultProxy(t, srv.Endpoint, r.faults.choose)
	client := miniotest.Server{Endpoint: r.proxy.URL, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Region: srv.Region}.QuickClient(t)
	var err error
	if r.h, err = quietHandler(s3store.New(client, r.bucket), system.Clock{}); err != nil {
		t.Fatal(err)
	}
	return r
}

// chaos chooses the fault proxy's faults: a fault for a share (rate) of the requests, each
// drawn from the seed, the request's object (a record's key, a payload's SHA-256) and how
// many times that object's request was sent, so that a seed repeats a run.
type chaos struct {
	seed uint64
	rate float64
	off  atomic.Bool

	mu   sync.Mutex
	sent map[string]int
}

var (
	putFaults = []miniotest.Fault{miniotest.LostBefore, miniotest.LostAfter, miniotest.ResetBefore, miniotest.ResetAfter,
		miniotest.Error500Before, miniotest.Error500After, miniotest.SlowDown, miniotest.Conflict}
	getFaults = []miniotest.Fault{miniotest.LostBefore, miniotest.LostAfter, miniotest.ResetAfter, miniotest.Error500After, miniotest.SlowDown}
)

func (c *chaos) choose(r *http.Request) miniotest.Fault {
	if c.off.Load() {
		return miniotest.Pass
	}
	id := r.Method + " " + r.URL.Path
	if sum := r.Header.Get("X-Amz-Checksum-Sha256"); r.Method == http.MethodPut && !strings.Contains(r.URL.Path, "/"+domain.RecordPrefix) && sum != "" {
		id = "PUT " + sum
	}
	c.mu.Lock()
	c.sent[id]++
	nth := c.sent[id]
	c.mu.Unlock()
	h := fnv.New64a()
	h.Write([]byte(id))
	rng := rand.New(rand.NewPCG(c.seed, h.Sum64()+uint64(nth)))
	if rng.Float64() >= c.rate {
		return miniotest.Pass
	}
	if r.Method == http.MethodPut {
		return putFaults[rng.IntN(len(putFaults))]
	}
	return getFaults[rng.IntN(len(getFaults))]
}
