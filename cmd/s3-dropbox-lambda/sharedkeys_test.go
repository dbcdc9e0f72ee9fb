package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl/funcurltest"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
)

// TestSharedKeysMinIO: groups of requests share one Idempotency-Key and are sent all at
// once (one of each third group with another payload), through the Function URL handler, the
// core, s3store and the real SDK, to MinIO through the chaos audit's fault proxy. Whatever the
// faults: every 202 is its payload stored exactly once; no payload is stored twice, and no
// key has two payloads stored; a key whose every answer is 503 has nothing stored; a 422 is
// given only to the payload that is not the key's.
func TestSharedKeysMinIO(t *testing.T) {
	srv := miniotest.Require(t)
	seed := miniotest.AuditSeed(t)
	t.Logf("AUDIT_SEED=%d repeats this run", seed)
	rig := newChaosRig(t, srv, seed)

	const keys, sharing = 60, 6
	payload := func(k int, other bool) string {
		if other {
			return fmt.Sprintf("shared %d key %03d: the other payload", seed, k)
		}
		return fmt.Sprintf("shared %d key %03d", seed, k)
	}
	type answer struct {
		status   int
		replayed bool
		body     string
		other    bool
	}
	answers := make([][]answer, keys)
	var payloads []string
	for k := range keys {
		answers[k] = make([]answer, sharing)
		payloads = append(payloads, payload(k, false), payload(k, true))
	}
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for k := range keys {
		for j := range sharing {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				other := k%3 == 0 && j == sharing-1
				p := payload(k, other)
				ev := funcurltest.Event(t, "base64")
				b := base64.StdEncoding.EncodeToString([]byte(p))
				ev.Body, ev.Headers["content-length"] = &b, strconv.Itoa(len(p))
				ev.Headers["idempotency-key"] = fmt.Sprintf("shared-%d-%d", seed, k)
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				a := answer{other: other}
				resp, err := rig.h.Handle(ctx, ev)
				if err != nil {
					a.body = err.Error()
				} else {
					a.status, a.replayed, a.body = resp.StatusCode, resp.Headers["Idempotent-Replayed"] == "true", resp.Body
				}
				answers[k][j] = a
			})
		}
	}
	wg.Wait()

	counts := payloadCounts(t, rig.plain, rig.bucket, payloads)
	statuses := map[int]int{}
	for k := range keys {
		mine, others := counts[payload(k, false)], counts[payload(k, true)]
		if mine > 0 && others > 0 {
			t.Errorf("key %d: both payloads stored (%d, %d)", k, mine, others)
		}
		all503 := true
		for j, a := range answers[k] {
			statuses[a.status]++
			n, theirs := mine, others
			if a.other {
				n, theirs = others, mine
			}
			all503 = all503 && a.status == 503
			switch {
			case n > 1:
				t.Errorf("key %d request %d: answered %d, its payload stored %d times", k, j, a.status, n)
			case a.status == 202 && n != 1:
				t.Errorf("key %d request %d: 202 (replayed %v), its payload stored %d times", k, j, a.replayed, n)
			case a.status == 422 && n > 0:
				t.Errorf("key %d request %d: 422, but its payload is the key's, stored", k, j)
			case a.status == 422 && theirs == 0 && !a.other && k%3 != 0:
				t.Errorf("key %d request %d: 422, but no request sent another payload", k, j)
			case a.status != 202 && a.status != 503 && a.status != 504 && a.status != 422:
				t.Errorf("key %d request %d: %d %q", k, j, a.status, a.body)
			}
		}
		if all503 && mine+others > 0 {
			t.Errorf("key %d: every answer 503, but a payload is stored", k)
		}
	}
	t.Logf("seed %d: %d drops, faults %v; answers %v", seed, keys*sharing, rig.proxy.Counts(), statuses)
}
