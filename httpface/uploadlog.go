package httpface

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/s3-dropbox/s3-dropbox/contract"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// The operations of upload requests, as their log lines and metrics name them.
const (
	OpCreate   = "create"   // POST: an upload created
	OpPatch    = "patch"    // PATCH: bytes appended
	OpHead     = "head"     // HEAD: the offset asked
	OpDelete   = "delete"   // DELETE: the upload terminated
	OpComplete = "complete" // the request (a PATCH, a HEAD or a creation of length 0) that made the upload whole and completed it
)

// Metric names of upload requests, in the namespace; their dimensions are the line's
// operation, outcome and reason fields.
const (
	MetricUploadRequests = "UploadRequests" // one per upload request, by operation and outcome (and reason)
	MetricUploadBytes    = "UploadBytes"    // the body bytes a PATCH read
)

// UploadOperation returns the operation of an upload request of method that ended with res.
func UploadOperation(method string, res ports.UploadResult) string {
	if res.Finishing {
		return OpComplete
	}
	switch method {
	case http.MethodPost:
		return OpCreate
	case http.MethodPatch:
		return OpPatch
	case http.MethodHead:
		return OpHead
	case http.MethodDelete:
		return OpDelete
	}
	return "other"
}

// UploadOutcome returns how an upload request left its upload, in the drops' words
// (docs/api.md#outcomes): stored (it completed the upload: the object is stored, once),
// replayed (it found the upload complete already, stored by an earlier request), not_stored
// (no object is stored yet: a step that completes nothing, answered 2xx — created, bytes
// kept, offset answered, terminated — or a 503 or 429), refused (a 4xx) or unknown (a 504 or
// 500).
func UploadOutcome(res ports.UploadResult, err error) contract.Outcome {
	switch {
	case err != nil:
		return Outcome(ports.DropResult{}, err)
	case res.Finishing && res.Done:
		return contract.Stored
	case res.Done:
		return contract.Replayed
	}
	return contract.NotStored
}

// RecordUpload writes the line of one upload request, as Record does a drop's, with the
// upload's own fields: operation, the upload's id, offset and length once the request found
// it, the body bytes it read, its key when complete; never a payload, a token or the metadata.
// Its metrics are the uploads' own (UploadRequests, UploadBytes; Stats.Upload), never a drop's.
func (r Recorder) RecordUpload(ctx context.Context, requestID, method string, res ports.UploadResult, err error, took time.Duration, attrs ...slog.Attr) {
	reason := domain.ErrorCode(err)
	op, outcome, status := UploadOperation(method, res), UploadOutcome(res, err), uploadStatus(method, reason)
	if r.Stats != nil {
		r.Stats.Upload(op, outcome, reason, res.Client, res.Read, took)
	}
	extra := attrs
	attrs = make([]slog.Attr, 0, 20)
	attrs = append(attrs,
		slog.String("request_id", requestID),
		slog.String("operation", op),
		slog.String("outcome", string(outcome)),
		slog.Int("status", status),
	)
	attrs, level := r.failure(ctx, attrs, reason, status, err)
	attrs = append(attrs, extra...)
	attrs = append(uploadAttrs(attrs, method, res), slog.Float64("duration_ms", ms(took)))
	if r.Namespace != "" {
		attrs = append(attrs, slog.Int(MetricUploadRequests, 1))
		withBytes := method == http.MethodPatch
		if withBytes {
			attrs = append(attrs, slog.Int64(MetricUploadBytes, res.Read))
		}
		attrs = append(attrs, slog.Group("_aws",
			slog.Int64("Timestamp", time.Now().UnixMilli()),
			slog.Any("CloudWatchMetrics", uploadDirective(r.Namespace, reason != "", withBytes)),
		))
		rec := slog.NewRecord(time.Now(), level, "upload", 0)
		rec.AddAttrs(attrs...)
		r.Log.Handler().Handle(ctx, rec)
		return
	}
	r.Log.LogAttrs(ctx, level, "upload", attrs...)
}

// uploadStatus returns the status answered to an upload request of method that ended with
// reason ("" when it succeeded).
func uploadStatus(method, reason string) int {
	switch {
	case reason != "":
		return Status(reason)
	case method == http.MethodPost:
		return http.StatusCreated
	case method == http.MethodHead:
		return http.StatusOK
	}
	return http.StatusNoContent
}

// uploadAttrs appends to attrs the upload's fields of a request of method that ended with res:
// its client, the upload's id, offset and length once found, a PATCH's bytes, the key once
// complete.
func uploadAttrs(attrs []slog.Attr, method string, res ports.UploadResult) []slog.Attr {
	if res.Client != "" {
		attrs = append(attrs, slog.String("client", res.Client))
	}
	if res.ID != "" {
		attrs = append(attrs, slog.String("upload", res.ID), slog.Int64("offset", res.Offset), slog.Int64("length", res.Length))
	}
	if method == http.MethodPatch {
		attrs = append(attrs, slog.Int64("bytes", res.Read))
	}
	if res.Done && res.Key != "" {
		attrs = append(attrs, slog.String("key", res.Key))
	}
	return attrs
}

// uploadDirective returns the CloudWatchMetrics array of an upload request's line.
func uploadDirective(namespace string, withReason, withBytes bool) json.RawMessage {
	type metric struct {
		Name string
		Unit string
	}
	defs := []metric{{MetricUploadRequests, "Count"}}
	if withBytes {
		defs = append(defs, metric{MetricUploadBytes, "Bytes"})
	}
	dims := [][]string{{"operation", "outcome"}}
	if withReason {
		dims = append(dims, []string{"operation", "outcome", "reason"})
	}
	b, _ := json.Marshal([]map[string]any{{"Namespace": namespace, "Dimensions": dims, "Metrics": defs}})
	return b
}
