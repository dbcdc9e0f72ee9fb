// Package httpface is the HTTP face of the core, shared by every inbound adapter: the one table
// that maps error codes to statuses, the replies, and the request log line (and the metrics
// fed from it). Keeping it in one
// place is what makes the Lambda and the server answer alike.
package httpface

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// statuses maps each error code of the core to its HTTP status.
var statuses = map[string]int{
	domain.EUnauthorizedCDN:   http.StatusUnauthorized,
	domain.EUnauthorizedAuth:  http.StatusUnauthorized,
	domain.EMethod:            http.StatusMethodNotAllowed,
	domain.ELengthRequired:    http.StatusLengthRequired,
	domain.EBadLength:         http.StatusBadRequest,
	domain.ETooLarge:          http.StatusRequestEntityTooLarge,
	domain.ENoBody:            http.StatusBadRequest,
	domain.EBadBase64:         http.StatusBadRequest,
	domain.EBadBody:           http.StatusBadRequest,
	domain.ESlowBody:          http.StatusRequestTimeout,
	domain.EClientGone:        StatusClientClosed,
	domain.EBadContentType:    http.StatusBadRequest,
	domain.EBadDigest:         http.StatusBadRequest,
	domain.EBadIdempotencyKey: http.StatusBadRequest,
	domain.EIdempotencyReused: http.StatusUnprocessableEntity,
	domain.EStorage:           http.StatusServiceUnavailable,
	domain.EStorageUnknown:    http.StatusGatewayTimeout,
	domain.EBusy:              http.StatusServiceUnavailable,
	domain.EInternal:          http.StatusInternalServerError,
}

// StatusClientClosed is the status of a request whose client closed the connection before
// its body was whole (nginx's 499): it is logged, and nobody is left to read it. It is a 4xx:
// the client's doing, never the storage's.
const StatusClientClosed = 499

// Status returns the HTTP status for an error code; 500 for a code it does not know.
func Status(code string) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// RetryAfter is the Retry-After of a 503 or 504, in seconds: storage failures are mostly
// brief, and a client backs off further on its own.
const RetryAfter = "1"

// Reply is the answer to one drop, whatever carries it.
type Reply struct {
	Status int
	Header map[string]string // canonical names
	Body   string
}

// ReplyTo returns the answer for a drop that ended with res and err (nil: stored, or found
// stored by an earlier attempt with the same Idempotency-Key). A refusal's body is the core's
// message, which says what to fix and never holds a secret.
func ReplyTo(res ports.DropResult, err error) Reply {
	if err == nil {
		r := Reply{Status: http.StatusAccepted, Header: map[string]string{"Content-Type": "text/plain"}}
		if res.Replayed {
			r.Header["Idempotent-Replayed"] = "true"
		}
		return r
	}
	r := Reply{
		Status: Status(domain.ErrorCode(err)),
		Header: map[string]string{"Content-Type": "text/plain; charset=utf-8"},
		Body:   domain.ErrorMessage(err),
	}
	switch r.Status {
	case http.StatusUnauthorized:
		r.Header["Www-Authenticate"] = "Bearer" // RFC 6750
	case http.StatusMethodNotAllowed:
		r.Header["Allow"] = "POST"
	case http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		r.Header["Retry-After"] = RetryAfter
	}
	return r
}

// Outcome names how a drop ended, for logs and metrics: stored, replayed (an idempotent retry
// of a drop already stored), rejected (4xx) or failed (5xx).
func Outcome(res ports.DropResult, err error) string {
	switch {
	case err == nil && res.Replayed:
		return "replayed"
	case err == nil:
		return "stored"
	case Status(domain.ErrorCode(err)) >= 500:
		return "failed"
	default:
		return "rejected"
	}
}

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
}

// NewRecorder returns a recorder that writes to log, with metrics in namespace ("": none).
// Its metric declarations are made once, here, rather than for every line.
func NewRecorder(log *slog.Logger, namespace string) Recorder {
	r := Recorder{Log: log, Namespace: namespace}
	if namespace != "" {
		r.directives = new([variants]json.RawMessage)
		for v := range variants {
			r.directives[v] = directive(namespace, v)
		}
	}
	return r
}

// Stats counts what the request lines say, for a metrics system other than the lines' own:
// the Recorder feeds it where it writes each line, so that the two always agree.
type Stats interface {
	// Drop counts one request: how it ended (outcome, reason: the line's fields), its
	// client, the bytes stored (0 unless stored now), the store's time (0 if not called) and
	// the whole request's.
	Drop(outcome, reason, client string, storedBytes int, storage, request time.Duration)
	// InFlight adds delta to the requests being served.
	InFlight(delta int)
}

// Begin counts a request in flight until the returned function is called.
func (r Recorder) Begin() (end func()) {
	if r.Stats == nil {
		return func() {}
	}
	r.Stats.InFlight(1)
	return func() { r.Stats.InFlight(-1) }
}

// Drop records one drop: requestID names it, res and err are what the core returned, took is
// the whole request's time. With metrics on, the line is written whatever the log level, since
// it carries the metrics.
func (r Recorder) Drop(ctx context.Context, requestID string, res ports.DropResult, err error, took time.Duration) {
	reason := domain.ErrorCode(err)
	status := Status(reason)
	if err == nil {
		status = http.StatusAccepted
	}
	outcome := Outcome(res, err)
	if r.Stats != nil {
		stored := 0
		if outcome == "stored" {
			stored = res.Size
		}
		r.Stats.Drop(outcome, reason, res.Client, stored, res.StoreDuration, took)
	}
	attrs := make([]slog.Attr, 0, 16)
	attrs = append(attrs,
		slog.String("request_id", requestID),
		slog.String("outcome", outcome),
		slog.Int("status", status),
	)
	level := slog.LevelInfo
	if err != nil {
		attrs = append(attrs, slog.String("reason", reason))
		level = slog.LevelWarn
		if status >= 500 {
			level = slog.LevelError
			attrs = append(attrs, slog.String("error", err.Error()))
		}
	}
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
	if res.StoreDuration > 0 {
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

// Metric names, in the namespace; their dimensions are the line's outcome and reason fields.
const (
	MetricDrops          = "Drops"          // one per request, by outcome (and reason)
	MetricPayloadBytes   = "PayloadBytes"   // size of a stored payload
	MetricStorageLatency = "StorageLatency" // how long the store took, stored or failed
)

// The kinds of line, by what they measure: a bit each for a reason, a stored payload's size,
// and a storage time.
const (
	withReason = 1 << iota
	withBytes
	withLatency
	variants = 1 << iota
)

// directive returns the CloudWatchMetrics array of one kind of line.
func directive(namespace string, variant int) json.RawMessage {
	type metric struct {
		Name string
		Unit string
	}
	defs := []metric{{MetricDrops, "Count"}}
	if variant&withBytes != 0 {
		defs = append(defs, metric{MetricPayloadBytes, "Bytes"})
	}
	if variant&withLatency != 0 {
		defs = append(defs, metric{MetricStorageLatency, "Milliseconds"})
	}
	dims := [][]string{{"outcome"}}
	if variant&withReason != 0 {
		dims = append(dims, []string{"outcome", "reason"})
	}
	b, _ := json.Marshal([]map[string]any{{"Namespace": namespace, "Dimensions": dims, "Metrics": defs}})
	return b
}

// metrics appends the Embedded Metric Format attributes of one drop.
func (r Recorder) metrics(attrs []slog.Attr, hasReason bool, res ports.DropResult) []slog.Attr {
	variant := 0
	attrs = append(attrs, slog.Int(MetricDrops, 1))
	if hasReason {
		variant |= withReason
	}
	if res.Key != "" && !res.Replayed {
		variant |= withBytes
		attrs = append(attrs, slog.Int(MetricPayloadBytes, res.Size))
	}
	if res.StoreDuration > 0 {
		variant |= withLatency
		attrs = append(attrs, slog.Float64(MetricStorageLatency, ms(res.StoreDuration)))
	}
	var dir json.RawMessage
	if r.directives != nil {
		dir = r.directives[variant]
	} else {
		dir = directive(r.Namespace, variant)
	}
	return append(attrs, slog.Group("_aws",
		slog.Int64("Timestamp", time.Now().UnixMilli()),
		slog.Any("CloudWatchMetrics", dir),
	))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
