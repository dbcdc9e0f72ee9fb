package domain

import (
	"errors"
	"fmt"

	"github.com/s3-dropbox/s3-dropbox/contract"
)

// Error codes. Each names one reason a drop did not succeed, whoever gives it (the core, or an
// inbound adapter before the core); httpface maps them to HTTP statuses in one table, and the
// request log reports them as the reason.
const (
	EUnauthorizedCDN   = "unauthorized_cdn"    // the CDN header is missing, malformed or wrong
	EUnauthorizedAuth  = "unauthorized_auth"   // the authorization header is missing, malformed or wrong
	EMethod            = "method"              // the method is not POST
	ELengthRequired    = "length_required"     // there is no content-length header
	EBadLength         = "bad_length"          // content-length is not a non-negative decimal integer
	ETooLarge          = "too_large"           // the payload is over the limit
	ENoBody            = "no_body"             // the request carries no body at all
	EBadBase64         = "bad_base64"          // the body says it is base64 and is not
	EBadBody           = "bad_body"            // the body could not be read
	ESlowBody          = "slow_body"           // the body arrived below the minimum rate, or stalled
	EClientGone        = "client_gone"         // the client closed the connection before its body was whole
	EBadContentType    = "bad_content_type"    // Content-Type is longer than every store can keep
	EBadDigest         = "bad_digest"          // Content-Digest or Content-MD5 is malformed or does not match the body
	EBadIdempotencyKey = "bad_idempotency_key" // the Idempotency-Key header is malformed
	EIdempotencyReused = "idempotency_reused"  // the Idempotency-Key was used for another payload
	EStorage           = "storage"             // the object store failed and nothing was stored; retry
	EStorageUnknown    = "storage_unknown"     // the store's answer was lost: the payload may be stored; retry with the same Idempotency-Key
	EStorageDenied     = "storage_denied"      // the store refused to read an idempotency record: the service lacks a permission; nothing stored by this request
	EBusy              = "busy"                // the HTTP server holds too many payloads in flight: nothing stored; retry (the server alone gives it)
	ENotFound          = "not_found"           // the path is not the drop path (DROP_PATH): nothing read, nothing stored (the adapters alone give it)
	ETooMany           = "too_many"            // the client is over its share of the server, or its rate (the edge's Admission): nothing stored; retry after a while
	EInternal          = "internal"            // anything else
)

// Outcome returns how a drop that ended with err ended: stored (replayed, when an earlier
// drop with its Idempotency-Key stored it), not stored (EStorage, EBusy, ETooMany: a later
// retry may store it), unknown (EStorageUnknown, and the codes of a fault in the service, EInternal and
// EStorageDenied, after which a sender cannot tell that nothing is stored), else refused.
func Outcome(err error, replayed bool) contract.Outcome {
	switch ErrorCode(err) {
	case "":
		if replayed {
			return contract.Replayed
		}
		return contract.Stored
	case EStorage, EBusy, ETooMany:
		return contract.NotStored
	case EStorageUnknown, EInternal, EStorageDenied:
		return contract.Unknown
	}
	return contract.Refused
}

// Error is the one error type of the core. Code is for programs (and the status table at the
// edge); Message is for the client and never holds a secret or payload bytes. Err, when set, is
// the underlying cause: it is logged, never sent to the client.
type Error struct {
	Code    string
	Message string
	Err     error
}

// Error returns a lower-case summary for logs: the code, the message and the cause.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted client message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal for any other
// error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := err.(*Error); ok { // the common case, without errors.As's allocation
		return e.Code
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the client message of the first *Error in err's chain, and a generic
// message for any other error, so that no internal detail reaches a client.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := err.(*Error); ok {
		return e.Message
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error"
}
