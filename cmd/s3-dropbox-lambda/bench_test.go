package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl"
	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl/funcurltest"
	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// BudgetPercent is the performance budget: a whole drop into memory costs less than this share
// of one raw PutObject of the same payload to MinIO.
const BudgetPercent = 5

// BenchmarkBudget measures, in one run, a whole drop of 10 KB, base64-encoded (the costliest
// kind), through the Function URL handler, the core and memstore with its log line and
// metrics; and one raw PutObject of the same 10 KB to MinIO. It alternates the two in rounds
// and reports the medians and the median ratio; it fails when the drop costs BudgetPercent or
// more of the PutObject.
//
//	eval "$(scripts/minio start)"; go test -run '^$' -bench Budget ./cmd/s3-dropbox-lambda/
func BenchmarkBudget(b *testing.B) {
	srv := miniotest.Require(b)
	client := srv.Client(b)
	store := s3store.New(client, srv.NewBucket(b, client))
	payload := bytes.Repeat([]byte("x"), 10240)

	ev := funcurltest.Event(b, "base64")
	body := base64.StdEncoding.EncodeToString(payload)
	ev.Body, ev.Headers["content-length"] = &body, strconv.Itoa(len(payload))
	rec := httpface.NewRecorder(slog.New(slog.NewJSONHandler(io.Discard, nil)), "S3Dropbox")
	var h *funcurl.Handler
	drops, puts := 0, 0
	drop := func() {
		if drops%10000 == 0 { // a fresh store now and then, so memory stays flat
			core := facetest.Core(b, memstore.New(), func(c *domain.Config) { c.CDNHeader = "X-CDN-Authorization" })
			h = funcurl.New(core, rec)
		}
		drops++
		if resp, _ := h.Handle(context.Background(), ev); resp.StatusCode != 202 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	put := func() {
		puts++
		if err := store.Create(context.Background(), ports.Object{Key: fmt.Sprintf("budget-%09d", puts), Data: payload}); err != nil {
			b.Fatal(err)
		}
	}
	// perOp runs f for about d and returns its mean time per call.
	perOp := func(f func(), d time.Duration) time.Duration {
		n, start := 0, time.Now()
		for time.Since(start) < d {
			f()
			n++
		}
		return time.Since(start) / time.Duration(n)
	}

	const rounds = 7
	var dropNs, putNs, ratios []float64
	for b.Loop() {
		dropNs, putNs, ratios = dropNs[:0], putNs[:0], ratios[:0]
		for range rounds {
			d, p := perOp(drop, 150*time.Millisecond), perOp(put, 150*time.Millisecond)
			dropNs, putNs = append(dropNs, float64(d)), append(putNs, float64(p))
			ratios = append(ratios, 100*float64(d)/float64(p))
		}
	}
	ratio := median(ratios)
	b.ReportMetric(median(dropNs), "drop-ns")
	b.ReportMetric(median(putNs), "put-ns")
	b.ReportMetric(ratio, "drop/put-%")
	if ratio >= BudgetPercent {
		b.Errorf("a drop costs %.2f%% of a PutObject (median of %d rounds): over the budget of %d%%", ratio, rounds, BudgetPercent)
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
