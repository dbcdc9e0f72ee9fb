package client

import (
	"fmt"

	"github.com/s3-dropbox/s3-dropbox/contract"
)

// Receipt tells how a payload was stored (the service answered 202).
type Receipt struct {
	Replayed       bool   // an earlier attempt or run had stored it already (Idempotent-Replayed: true)
	Attempts       int    // how many requests it took
	RequestID      string // the service's X-Request-Id of the last attempt, if it sent one
	IdempotencyKey string // the key all attempts carried
}

// Error is why a payload is not confirmed stored; its Outcome says what is known:
//   - contract.Refused: the service refused it (a 4xx), or it was not sent (over WithMaxBytes,
//     an option that cannot be sent, a server certificate that is not trusted), and no
//     earlier attempt may have stored it: sending it again as it is will not help.
//   - contract.NotStored: no attempt may have stored it (each could not connect, or was
//     answered 408, 429 or 503), or none was made (Attempts 0: the context given to Send had
//     ended): sending it again later may store it.
//   - contract.Unknown: it may or may not be stored (an attempt went unanswered, or was
//     answered 500, 502 or 504, or redirected): sending it again with the same IdempotencyKey
//     is safe.
type Error struct {
	Outcome        contract.Outcome // Refused, NotStored or Unknown
	Status         int              // the last HTTP status, 0 when none came
	Message        string           // the service's message, or what went wrong
	Attempts       int
	RequestID      string
	IdempotencyKey string
	Err            error // the last transport error, if any
}

func (e *Error) Error() string {
	kind := "may or may not be stored"
	switch e.Outcome {
	case contract.Refused:
		kind = "refused"
	case contract.NotStored:
		kind = "not stored"
	}
	if e.Status != 0 {
		return fmt.Sprintf("%s after %d attempt(s): %d: %s", kind, e.Attempts, e.Status, e.Message)
	}
	return fmt.Sprintf("%s after %d attempt(s): %s", kind, e.Attempts, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }
