package client

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/s3-dropbox/s3-dropbox/contract"
)

// Defaults and bounds of a Client.
const (
	DefaultAttempts       = 8
	DefaultTimeout        = 30 * time.Second // one attempt
	DefaultPayloadTimeout = 2 * time.Minute  // all the attempts of one payload, waits included
	DefaultBackoff        = 200 * time.Millisecond
	DefaultMaxBackoff     = 20 * time.Second
	MaxBackoffLimit       = time.Minute // the longest wait WithBackoff may set
	DefaultContentType    = "application/octet-stream"
)

// config is what Options set: how a Client sends every payload.
type config struct {
	httpClient     *http.Client
	header         http.Header
	attempts       int
	timeout        time.Duration
	payloadTimeout time.Duration
	backoff        time.Duration
	maxBackoff     time.Duration
	maxBytes       int
	plainHTTP      bool
}

// Option configures a Client: it is given to New and holds for every payload the client
// sends (a nil Option is none). What differs from one payload to the next is a SendOption.
type Option func(*config) error

// WithHTTPClient sends through c (http.DefaultClient by default). Whatever c's CheckRedirect
// says, the client follows no redirect: the token and the payload go to the URL given to
// New, and nowhere else.
func WithHTTPClient(c *http.Client) Option {
	return func(o *config) error {
		if c == nil {
			return errors.New("client: WithHTTPClient(nil)")
		}
		o.httpClient = c
		return nil
	}
}

// WithHeader adds a request header to every attempt, such as the CDN's in dev mode; its
// value's last word, when 8 characters or more (a credential), is kept out of errors as the
// token is. It cannot replace the headers the client sets itself (Authorization,
// Content-Type, Content-Digest, Idempotency-Key). A name that is not an HTTP token or a value
// with a control character other than tab is an error of New.
func WithHeader(name, value string) Option {
	return func(o *config) error {
		if !headerName(name) || !headerValue(value) {
			return fmt.Errorf("client: header %q: want a name of letters, digits and !#$%%&'*+-.^_`|~, and a value without line breaks or control characters", name)
		}
		if o.header == nil {
			o.header = http.Header{}
		}
		o.header.Add(name, value)
		return nil
	}
}

// WithAttempts sets how many attempts a payload gets in all, at least 1 (DefaultAttempts).
func WithAttempts(n int) Option {
	return func(o *config) error {
		if n < 1 {
			return errors.New("client: attempts must be at least 1")
		}
		o.attempts = n
		return nil
	}
}

// WithTimeout bounds each attempt (DefaultTimeout).
func WithTimeout(d time.Duration) Option {
	return func(o *config) error {
		if d <= 0 {
			return errors.New("client: the timeout must be positive")
		}
		o.timeout = d
		return nil
	}
}

// WithPayloadTimeout bounds all the attempts of one payload, the waits between them included
// (DefaultPayloadTimeout): when the next attempt could only start after it, Send stops at
// once. A deadline of the context given to Send holds as well.
func WithPayloadTimeout(d time.Duration) Option {
	return func(o *config) error {
		if d <= 0 {
			return errors.New("client: the payload timeout must be positive")
		}
		o.payloadTimeout = d
		return nil
	}
}

// WithBackoff sets the backoff before the second attempt and the longest wait: before
// attempt n+1 the client waits a random time up to min(max, base×2ⁿ⁻¹) (full jitter), or
// what the answer's Retry-After says, up to max. max is at most MaxBackoffLimit
// (DefaultBackoff, DefaultMaxBackoff).
func WithBackoff(base, max time.Duration) Option {
	return func(o *config) error {
		if base <= 0 || max < base || max > MaxBackoffLimit {
			return fmt.Errorf("client: the backoff must be positive and at most its maximum, and the maximum at most %v", MaxBackoffLimit)
		}
		o.backoff, o.maxBackoff = base, max
		return nil
	}
}

// WithMaxBytes refuses payloads over n bytes before sending them, such as the service's
// MAX_BODY_BYTES; n is 1 to contract.MaxPayloadBytes, the default.
func WithMaxBytes(n int) Option {
	return func(o *config) error {
		if n < 1 || n > contract.MaxPayloadBytes {
			return fmt.Errorf("client: the payload limit must be 1 to %d bytes", contract.MaxPayloadBytes)
		}
		o.maxBytes = n
		return nil
	}
}

// WithPlainHTTP lets New take an http:// URL of a host that is not a loopback address: the
// token then crosses the network in clear text. Without it, such a URL is refused, and only
// https:// or http:// to 127.0.0.0/8, ::1 or localhost is taken.
func WithPlainHTTP() Option {
	return func(o *config) error {
		o.plainHTTP = true
		return nil
	}
}

// payload is what SendOptions set: what belongs to one payload.
type payload struct {
	contentType    string
	idempotencyKey string
	keyFromContent bool
	keyName        *string // WithKeyFromNameAndContent's name; nil: not set
}

// SendOption describes one payload: it is given to Send, and holds for that payload only (a
// nil SendOption is none).
type SendOption func(*payload)

// WithContentType sets the payload's media type (DefaultContentType).
func WithContentType(t string) SendOption { return func(p *payload) { p.contentType = t } }

// WithIdempotencyKey sets the payload's Idempotency-Key, such as an invoice number; by
// default each Send makes a new random one, kept for all its attempts. A key names one
// payload: the service refuses it with another payload (422).
func WithIdempotencyKey(k string) SendOption { return func(p *payload) { p.idempotencyKey = k } }

// WithKeyFromContent derives the Idempotency-Key from the payload's SHA-256, so that sending
// the same bytes again (a re-run after a crash) stores them once, within the key's TTL on the
// service (IDEMPOTENCY_TTL, or DROP_EXPIRY if shorter). Two different sends of the same bytes are then one drop.
func WithKeyFromContent() SendOption { return func(p *payload) { p.keyFromContent = true } }

// WithKeyFromNameAndContent derives the Idempotency-Key from name (such as a file's name) and
// the payload's SHA-256 (NameContentKey), so that sending the same named payload again (a
// re-run of a job over the same files) stores it once, within the key's TTL on the service
// (IDEMPOTENCY_TTL, or DROP_EXPIRY if shorter) and with the same token; an edited payload, or the same bytes under another name, is a new
// drop. WithIdempotencyKey wins over it, and it over WithKeyFromContent.
func WithKeyFromNameAndContent(name string) SendOption {
	return func(p *payload) { p.keyName = &name }
}

// NameContentKey is the Idempotency-Key of WithKeyFromNameAndContent: "name-sha256-" and the
// hex SHA-256 of a fixed label, name, a zero byte and the payload's SHA-256 (sum). The name
// stays out of the key, which the sender prints.
func NameContentKey(name string, sum [sha256.Size]byte) string {
	h := sha256.New()
	h.Write([]byte("s3-dropbox name and content\x00"))
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write(sum[:])
	return "name-sha256-" + hex.EncodeToString(h.Sum(nil))
}
