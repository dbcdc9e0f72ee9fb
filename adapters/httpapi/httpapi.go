// Package httpapi is the HTTP face of the core, shared by every inbound adapter: the one table
// that maps error codes to statuses, the replies, and the request log line. Keeping it in one
// place is what makes the Lambda and the server answer alike.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// statuses maps each error code of the core to its HTTP status.
var statuses = map[string]int{
	ports.EUnauthorizedCDN:  http.StatusUnauthorized,
	ports.EUnauthorizedAuth: http.StatusUnauthorized,
	ports.EMethod:           http.StatusMethodNotAllowed,
	ports.ELengthRequired:   http.StatusLengthRequired,
	ports.EBadLength:        http.StatusBadRequest,
	ports.ETooLarge:         http.StatusRequestEntityTooLarge,
	ports.ENoBody:           http.StatusBadRequest,
	ports.EBadBase64:        http.StatusBadRequest,
	ports.EBadBody:          http.StatusBadRequest,
	ports.EStorage:          http.StatusServiceUnavailable,
	ports.EConflict:         http.StatusConflict,
	ports.EInternal:         http.StatusInternalServerError,
}

// Status returns the HTTP status for an error code; 500 for a code it does not know.
func Status(code string) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Reply is the answer to one drop, whatever carries it.
type Reply struct {
	Status int
	Header map[string]string // canonical names
	Body   string
}

// ReplyTo returns the answer for a drop that ended with err (nil: stored). A refusal's body is
// the core's message, which says what to fix and never holds a secret.
func ReplyTo(err error) Reply {
	if err == nil {
		return Reply{Status: http.StatusAccepted, Header: map[string]string{"Content-Type": "text/plain"}}
	}
	r := Reply{
		Status: Status(ports.ErrorCode(err)),
		Header: map[string]string{"Content-Type": "text/plain; charset=utf-8"},
		Body:   ports.ErrorMessage(err),
	}
	switch r.Status {
	case http.StatusUnauthorized:
		r.Header["Www-Authenticate"] = "Bearer" // RFC 6750
	case http.StatusMethodNotAllowed:
		r.Header["Allow"] = "POST"
	}
	return r
}

// Outcome names how a drop ended, for logs and metrics.
func Outcome(err error) string {
	switch {
	case err == nil:
		return "stored"
	case Status(ports.ErrorCode(err)) >= 500:
		return "failed"
	default:
		return "rejected"
	}
}

// LogDrop writes the one log line of a drop. It holds what an operator needs and never a
// token, an auth header's value or payload bytes: only the core's error (codes, messages,
// and causes from the store) and sizes.
func LogDrop(ctx context.Context, log *slog.Logger, requestID string, res ports.DropResult, err error, took time.Duration) {
	reply := ReplyTo(err)
	attrs := []slog.Attr{
		slog.String("request_id", requestID),
		slog.String("outcome", Outcome(err)),
		slog.Int("status", reply.Status),
		slog.Float64("duration_ms", float64(took.Microseconds())/1000),
	}
	level := slog.LevelInfo
	if err != nil {
		attrs = append(attrs, slog.String("reason", ports.ErrorCode(err)))
		if reply.Status >= 500 {
			level = slog.LevelError
			attrs = append(attrs, slog.String("error", err.Error()))
		}
	} else {
		attrs = append(attrs, slog.String("key", res.Key), slog.Int("bytes", res.Size))
	}
	log.LogAttrs(ctx, level, "drop", attrs...)
}
