package client

import "fmt"

// Receipt tells how a payload was stored (the service answered 202).
type Receipt struct {
	Replayed       bool   // an earlier attempt or run had stored it already (Idempotent-Replayed: true)
	Attempts       int    // how many requests it took
	RequestID      string // the service's X-Request-Id of the last attempt, if it sent one
	IdempotencyKey string // the key all attempts carried
}

// Error is why a payload is not confirmed stored. Refused: the service refused it (a 4xx), or
// it was not sent (over WithMaxBytes, an option that cannot be sent, a server certificate
// that is not trusted), and no earlier attempt may have stored it (none went unanswered or
// was answered 502 or 504): it is not stored, and sending it again as it is will not help.
// Otherwise it is unconfirmed: every attempt failed, went unanswered or was redirected,
// and the payload may or may not be stored; sending it again with the same IdempotencyKey is
// safe. NotStored: unconfirmed, yet no attempt may have stored it (each could not connect,
// or was answered 408, 429 or 503, which the service gives only when it stored nothing): it
// is not stored, and sending it again later may store it. Attempts is 0 when the context
// given to Send had ended before the first: nothing was sent.
type Error struct {
	Status         int    // the last HTTP status, 0 when none came
	Message        string // the service's message, or what went wrong
	Refused        bool
	NotStored      bool // not refused, yet no attempt may have stored it: see Error
	Attempts       int
	RequestID      string
	IdempotencyKey string
	Err            error // the last transport error, if any
}

func (e *Error) Error() string {
	kind := "not confirmed stored"
	switch {
	case e.Refused:
		kind = "refused"
	case e.NotStored:
		kind = "not stored"
	}
	if e.Status != 0 {
		return fmt.Sprintf("%s after %d attempt(s): %d: %s", kind, e.Attempts, e.Status, e.Message)
	}
	return fmt.Sprintf("%s after %d attempt(s): %s", kind, e.Attempts, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }
