// Package contract holds what the service and its senders share, and nothing else: the
// payload limit and the words for how a drop ended. It imports only the standard library, so
// that both the service's adapters and the client package may import it without linking
// anything of the other.
package contract

// MaxPayloadBytes is the largest payload the service can take: 6 MiB, a Function URL's own
// request payload limit. MAX_BODY_BYTES is at most this, and it is the client's default limit.
const MaxPayloadBytes = 6291456

// Outcome is how a drop ended, in the words of the service's logs and metrics and of the
// sender's report alike (docs/api.md, "Outcomes").
type Outcome string

// The outcomes of a drop.
const (
	Stored    Outcome = "stored"     // the whole payload is stored, once
	Replayed  Outcome = "replayed"   // an earlier drop with the same Idempotency-Key stored it: nothing new stored
	Refused   Outcome = "refused"    // refused for what was sent (a 4xx): nothing stored; the same request is refused again
	NotStored Outcome = "not_stored" // nothing stored (a 503, or nothing sent): a later retry may store it
	Unknown   Outcome = "unknown"    // it may be stored (a 504, a 500, a lost answer): retry with the same Idempotency-Key
)
