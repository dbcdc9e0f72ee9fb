package httpface

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/s3-dropbox/s3-dropbox/contract"
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
	domain.EStorageDenied:     http.StatusInternalServerError, // a misconfiguration, not a brief failure: not 503
	domain.EBusy:              http.StatusServiceUnavailable,
	domain.ETooMany:           http.StatusTooManyRequests,
	domain.ENotFound:          http.StatusNotFound,
	domain.EInternal:          http.StatusInternalServerError,
}

// NotFound returns the error of a request to a path other than dropPath: domain.ENotFound, with a
// message that names the drop path.
func NotFound(dropPath string) error {
	return domain.Errorf(domain.ENotFound, "Not found: drops are POSTed to %s (nothing was stored)", dropPath)
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

// RetryAfterError is an error that says when to retry, in whole seconds (at least 1).
type RetryAfterError interface {
	RetryAfter() int
}

// retryAfter returns the Retry-After of a 429: the error's own, else RetryAfter.
func retryAfter(err error) string {
	var ra RetryAfterError
	if errors.As(err, &ra) {
		return strconv.Itoa(max(ra.RetryAfter(), 1))
	}
	return RetryAfter
}

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
	case http.StatusTooManyRequests:
		r.Header["Retry-After"] = retryAfter(err)
	}
	return r
}

// Outcome returns how a drop ended, for logs and metrics (domain.Outcome).
func Outcome(res ports.DropResult, err error) contract.Outcome {
	return domain.Outcome(err, res.Replayed)
}
