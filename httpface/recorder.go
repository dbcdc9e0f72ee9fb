package httpface

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// Recorder writes the one log line of each drop. With a namespace, the line is also a
// CloudWatch Embedded Metric Format record: CloudWatch turns it into metrics as it ingests the
// logs, with no API call and no extra permission.
//
// The line holds what an operator needs and never a token, an auth header's value or payload
// bytes: only the core's error (codes, messages, and causes from the store), sizes and times.
type Recorder struct {
	Log       *slog.Logger
	Namespace string // CloudWatch metrics namespace; empty: no metrics
	Stats     Stats  // another metrics system (Prometheus), fed from the same place; nil: none

	directives *[variants]json.RawMessage // made once by NewRecorder
	denied     *atomic.Bool               // the storage-denied line was written; made by NewRecorder
}

// NewRecorder returns a recorder that writes to log, with metrics in namespace ("": none).
// Its metric declarations are made once, here, rather than for every line.
func NewRecorder(log *slog.Logger, namespace string) Recorder {
	r := Recorder{Log: log, Namespace: namespace, denied: new(atomic.Bool)}
	if namespace != "" {
		r.directives = new([variants]json.RawMessage)
		for v := range variants {
			r.directives[v] = directive(namespace, v)
		}
	}
	return r
}

// Begin counts a request in flight until the returned function is called.
func (r Recorder) Begin() (end func()) {
	if r.Stats == nil {
		return func() {}
	}
	r.Stats.InFlight(1)
	return func() { r.Stats.InFlight(-1) }
}

// Record writes the line of one drop request: requestID names it, res and err are what the core returned, took is
// the whole request's time, and attrs are the adapter's own (such as the path). With metrics on, the line is written whatever the log level, since
// it carries the metrics.
func (r Recorder) Record(ctx context.Context, requestID string, res ports.DropResult, err error, took time.Duration, attrs ...slog.Attr) {
	reason := domain.ErrorCode(err)
	status := Status(reason)
	if err == nil {
		status = http.StatusAccepted
	}
	outcome := Outcome(res, err)
	if r.Stats != nil {
		r.Stats.Request(outcome, reason, res, took)
	}
	extra := attrs
	attrs = make([]slog.Attr, 0, 16)
	attrs = append(attrs,
		slog.String("request_id", requestID),
		slog.String("outcome", string(outcome)),
		slog.Int("status", status),
	)
	attrs, level := r.failure(ctx, attrs, reason, status, err)
	attrs = append(attrs, extra...)
	if res.Client != "" {
		attrs = append(attrs, slog.String("client", res.Client))
	}
	if res.Key != "" {
		attrs = append(attrs, slog.String("key", res.Key), slog.Int("bytes", res.Size))
	}
	if res.Replayed {
		attrs = append(attrs, slog.Bool("replayed", true))
	}
	attrs = append(attrs, slog.Float64("duration_ms", ms(took)))
	if res.StoreTried {
		attrs = append(attrs, slog.Float64("storage_ms", ms(res.StoreDuration)))
	}
	if r.Namespace == "" {
		r.Log.LogAttrs(ctx, level, "drop", attrs...)
		return
	}
	attrs = r.metrics(attrs, reason != "", res)
	rec := slog.NewRecord(time.Now(), level, "drop", 0)
	rec.AddAttrs(attrs...)
	r.Log.Handler().Handle(ctx, rec)
}

// deniedOnce writes, once per recorder made by NewRecorder (once per process), the error
// line of a store that denies reading the idempotency records: a misconfiguration, which
// every keyed retry meets until an operator grants the permission. A Recorder made without
// NewRecorder writes it each time.
func (r Recorder) deniedOnce(ctx context.Context, err error) {
	if r.denied != nil && r.denied.Swap(true) {
		return
	}
	r.Log.LogAttrs(ctx, slog.LevelError, "storage denies reading the idempotency records: keyed retries are answered 500 until the role is fixed",
		slog.String("reason", domain.EStorageDenied),
		slog.String("fix", "grant the service's role s3:GetObject on the bucket's .idempotency/* and s3:ListBucket on the bucket, and kms:Decrypt on the bucket's key if it encrypts with SSE-KMS"),
		slog.String("error", err.Error()))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// failure adds a failed request's reason (and, for a 5xx, its error) to attrs and returns the
// line's level: info for a success, warn for a refusal and for storage_denied (said once at
// error level by deniedOnce), error for another 5xx.
func (r Recorder) failure(ctx context.Context, attrs []slog.Attr, reason string, status int, err error) ([]slog.Attr, slog.Level) {
	if err == nil {
		return attrs, slog.LevelInfo
	}
	attrs = append(attrs, slog.String("reason", reason))
	if reason == domain.EStorageDenied {
		r.deniedOnce(ctx, err)
		return append(attrs, slog.String("error", err.Error())), slog.LevelWarn
	}
	if status >= 500 {
		return append(attrs, slog.String("error", err.Error())), slog.LevelError
	}
	return attrs, slog.LevelWarn
}
