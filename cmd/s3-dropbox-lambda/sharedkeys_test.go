package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl/funcurltest"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports/storetest"
)

// TestSharedKeysMinIO: the shared-keys scenario (storetest.SharedKeys: groups of requests
// sharing one Idempotency-Key sent all at once, one of each third group with another payload)
// through the Function URL handler, the core, s3store and the real SDK, to MinIO through the
// fault proxy of TestDropsThroughFaultsMinIO; each answer read back as the core's outcome
// (answerOf) and reconciled with the bucket.
func TestSharedKeysMinIO(t *testing.T) {
	srv := miniotest.Require(t)
	seed := miniotest.FaultSeed(t)
	rig := newChaosRig(t, srv, seed)
	storetest.SharedKeys{
		Groups: 60, Sharing: 6, Parallel: 16, Prefix: fmt.Sprintf("shared-%d-", seed),
		Drop: func(ctx context.Context, idemKey, payload string) storetest.Answer {
			ev := funcurltest.Event(t, "base64")
			b := base64.StdEncoding.EncodeToString([]byte(payload))
			ev.Body, ev.Headers["content-length"] = &b, strconv.Itoa(len(payload))
			ev.Headers["idempotency-key"] = idemKey
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			resp, err := rig.h.Handle(ctx, ev)
			if err != nil {
				return storetest.Answer{Code: "handler error", Detail: err.Error()}
			}
			return answerOf(resp.StatusCode, resp.Headers["Idempotent-Replayed"] == "true", resp.Body)
		},
		Stored: func(t *testing.T, sent []string) []storetest.Object {
			return storedPayloads(t, rig.plain, rig.bucket, sent)
		},
	}.Run(t)
	t.Logf("seed %d: faults %v", seed, rig.proxy.Counts())
}

// answerOf reads an answer of the handler as the core's outcome: the status of each outcome is
// httpface's (TestStatus there).
func answerOf(status int, replayed bool, body string) storetest.Answer {
	code, ok := map[int]string{
		202: "",
		503: domain.EStorage,
		504: domain.EStorageUnknown,
		422: domain.EIdempotencyReused,
	}[status]
	if !ok {
		code = fmt.Sprintf("status %d", status)
	}
	return storetest.Answer{Code: code, Replayed: replayed, Detail: body}
}
