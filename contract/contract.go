// Package contract holds what the service and its senders share, and nothing else: the
// payload limit. It imports only the standard library, so that both the Lambda adapter and
// the client package may import it without linking anything of the other.
package contract

// MaxPayloadBytes is the largest payload the service can take: 6 MiB, a Function URL's own
// request payload limit. MAX_BODY_BYTES is at most this, and it is the client's default limit.
const MaxPayloadBytes = 6291456
