// Package client sends payloads to an s3-dropbox and makes at-least-once delivery into
// exactly-once storage: every payload carries its SHA-256 (Content-Digest) and an
// Idempotency-Key that stays the same for all its attempts, so that a retry after a lost
// answer is stored once (the service answers it as a replay). Attempts that may succeed on a
// retry (connection errors, timeouts, 429, 502, 503, 504) are retried with exponential backoff
// and full jitter, honouring Retry-After; a refusal (any other 4xx) is not.
package client

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults of a Client.
const (
	DefaultAttempts    = 8
	DefaultTimeout     = 30 * time.Second // per attempt
	DefaultBackoff     = 200 * time.Millisecond
	DefaultMaxBackoff  = 20 * time.Second
	DefaultContentType = "application/octet-stream"
)

// Client sends drops to one URL with one token. It is safe for concurrent use.
type Client struct {
	url   string
	token string
	base  options
}

// options are what Options set, for a Client and for one Send.
type options struct {
	httpClient     *http.Client
	header         http.Header
	attempts       int
	timeout        time.Duration
	backoff        time.Duration
	maxBackoff     time.Duration
	maxBytes       int
	contentType    string
	idempotencyKey string
	keyFromContent bool
	sleep          func(ctx context.Context, d time.Duration) error
}

// Option sets an option of a Client (given to New) or of one Send.
type Option func(*options)

// WithHTTPClient sends through c (http.DefaultClient by default).
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.httpClient = c } }

// WithHeader adds a request header, such as the CDN's in dev mode. It cannot replace the
// headers the client sets itself (Authorization, Content-Digest, Idempotency-Key).
func WithHeader(name, value string) Option {
	return func(o *options) {
		o.header = o.header.Clone()
		if o.header == nil {
			o.header = http.Header{}
		}
		o.header.Add(name, value)
	}
}

// WithAttempts sets how many attempts a payload gets in all (DefaultAttempts).
func WithAttempts(n int) Option { return func(o *options) { o.attempts = n } }

// WithTimeout bounds each attempt (DefaultTimeout).
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithBackoff sets the backoff before the second attempt and its cap: before attempt n+1 the
// client waits a random time up to min(max, base×2ⁿ⁻¹) (full jitter), or what Retry-After says.
func WithBackoff(base, max time.Duration) Option {
	return func(o *options) { o.backoff, o.maxBackoff = base, max }
}

// WithMaxBytes refuses payloads over n bytes before sending them (the service's
// MAX_BODY_BYTES); 0, the default, leaves it to the service's 413.
func WithMaxBytes(n int) Option { return func(o *options) { o.maxBytes = n } }

// WithContentType sets the payload's media type (DefaultContentType).
func WithContentType(t string) Option { return func(o *options) { o.contentType = t } }

// WithIdempotencyKey sets the payload's Idempotency-Key; by default each Send makes a new
// random one, kept for all its attempts.
func WithIdempotencyKey(k string) Option { return func(o *options) { o.idempotencyKey = k } }

// WithKeyFromContent derives the Idempotency-Key from the payload's SHA-256, so that sending
// the same bytes again (a re-run after a crash) stores them once, within the service's
// IDEMPOTENCY_TTL. Two different sends of the same bytes are then one drop.
func WithKeyFromContent() Option { return func(o *options) { o.keyFromContent = true } }

// WithSleep replaces how the client waits between attempts (for tests).
func WithSleep(f func(ctx context.Context, d time.Duration) error) Option {
	return func(o *options) { o.sleep = f }
}

// New returns a client for the drop URL and the client token. The token is sent only in the
// Authorization header, and never appears in an error.
func New(dropURL, token string, opts ...Option) (*Client, error) {
	u, err := url.Parse(dropURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("client: the URL must be an http:// or https:// URL")
	}
	if token == "" || strings.ContainsAny(token, " \t\r\n") {
		return nil, errors.New("client: the token must be one word, without spaces or line breaks")
	}
	c := &Client{url: dropURL, token: token, base: options{
		httpClient: http.DefaultClient, attempts: DefaultAttempts, timeout: DefaultTimeout,
		backoff: DefaultBackoff, maxBackoff: DefaultMaxBackoff, contentType: DefaultContentType, sleep: sleep,
	}}
	for _, o := range opts {
		o(&c.base)
	}
	if c.base.attempts < 1 {
		return nil, errors.New("client: attempts must be at least 1")
	}
	return c, nil
}

// Receipt tells how a payload was stored.
type Receipt struct {
	Status         int    // 202
	Replayed       bool   // an earlier attempt had stored it already (Idempotent-Replayed: true)
	Attempts       int    // how many requests it took
	RequestID      string // the service's X-Request-Id of the last attempt, if it sent one
	IdempotencyKey string // the key all attempts carried
}

// Error is why a payload is not confirmed stored. Refused: the service refused it (a 4xx, or
// over WithMaxBytes before sending), and no earlier attempt may have stored it (none went
// unanswered or was answered 502 or 504): it is not stored, and sending it again as it is will
// not help. Otherwise it is unconfirmed: every attempt failed or went unanswered, and the payload
// may or may not be stored; sending it again with the same IdempotencyKey is safe.
type Error struct {
	Status         int    // the last HTTP status, 0 when none came
	Message        string // the service's message, or what went wrong
	Refused        bool
	Attempts       int
	RequestID      string
	IdempotencyKey string
	Err            error // the last transport error, if any
}

func (e *Error) Error() string {
	kind := "not confirmed stored"
	if e.Refused {
		kind = "refused"
	}
	if e.Status != 0 {
		return fmt.Sprintf("%s after %d attempt(s): %d: %s", kind, e.Attempts, e.Status, e.Message)
	}
	return fmt.Sprintf("%s after %d attempt(s): %s", kind, e.Attempts, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Send delivers payload, retrying as the package doc says, until it is stored, refused, out
// of attempts, or ctx ends. opts apply to this payload only.
func (c *Client) Send(ctx context.Context, payload []byte, opts ...Option) (Receipt, error) {
	o := c.base
	o.header = o.header.Clone()
	for _, opt := range opts {
		opt(&o)
	}
	sum := sha256.Sum256(payload)
	key := o.idempotencyKey
	switch {
	case key != "":
	case o.keyFromContent:
		key = "sha256-" + hex.EncodeToString(sum[:])
	default:
		key = randomKey()
	}
	fail := &Error{IdempotencyKey: key}
	if o.maxBytes > 0 && len(payload) > o.maxBytes {
		fail.Refused = true
		fail.Message = fmt.Sprintf("the payload is %d bytes, over the limit of %d: not sent", len(payload), o.maxBytes)
		return Receipt{}, fail
	}
	digest := "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
	maybe := false // an attempt may have stored the payload: a refusal after it is no proof of "not stored"
	for attempt := 1; attempt <= o.attempts; attempt++ {
		fail.Attempts = attempt
		status, header, body, err := c.post(ctx, o, payload, digest, key)
		if rid := header.Get("X-Request-Id"); rid != "" {
			fail.RequestID = rid
		}
		switch {
		case err == nil && status == http.StatusAccepted:
			return Receipt{Status: status, Replayed: header.Get("Idempotent-Replayed") == "true",
				Attempts: attempt, RequestID: fail.RequestID, IdempotencyKey: key}, nil
		case err != nil:
			fail.Status, fail.Message, fail.Err = 0, "no answer: "+err.Error(), err
			maybe = true
		case retryable(status):
			fail.Status, fail.Message, fail.Err = status, message(body, status), nil
			maybe = maybe || status == http.StatusBadGateway || status == http.StatusGatewayTimeout
		case status >= 400 && status < 500:
			fail.Status, fail.Message, fail.Refused, fail.Err = status, message(body, status), !maybe, nil
			return Receipt{}, fail
		default: // a 500 (a bug of the service) or an unexpected answer: not worth retrying
			fail.Status, fail.Message, fail.Err = status, message(body, status), nil
			return Receipt{}, fail
		}
		if ctx.Err() != nil || attempt == o.attempts {
			break
		}
		if err := o.sleep(ctx, wait(o, attempt, header)); err != nil {
			break
		}
	}
	return Receipt{}, fail
}

// post sends one attempt.
func (c *Client) post(ctx context.Context, o options, payload []byte, digest, key string) (int, http.Header, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(payload))
	if err != nil {
		return 0, http.Header{}, nil, err
	}
	for name, values := range o.header {
		for _, v := range values {
			req.Header.Add(name, v)
		}
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", o.contentType)
	req.Header.Set("Content-Digest", digest)
	req.Header.Set("Idempotency-Key", key)
	resp, err := o.httpClient.Do(req)
	if err != nil {
		return 0, http.Header{}, nil, scrub(err, c.token)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return 0, resp.Header, nil, scrub(err, c.token)
	}
	return resp.StatusCode, resp.Header, body, nil
}

// retryable reports whether an answer may change on a retry.
func retryable(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// wait returns how long to wait before the attempt after attempt: Retry-After if the answer
// gave one (seconds or an HTTP date), else a random time up to min(max, base×2^(attempt-1)).
func wait(o options, attempt int, h http.Header) time.Duration {
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			return time.Duration(s) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(time.Until(t), 0)
		}
	}
	ceiling := o.maxBackoff
	if shift := attempt - 1; shift < 30 && o.backoff<<shift < ceiling {
		ceiling = o.backoff << shift
	}
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling)
}

// message returns the service's message from a body, or the status text.
func message(body []byte, status int) string {
	if m := strings.TrimSpace(string(body)); m != "" {
		return m
	}
	return http.StatusText(status)
}

// scrub keeps a token out of an error, whatever a transport put in it.
func scrub(err error, token string) error {
	if strings.Contains(err.Error(), token) {
		return errors.New(strings.ReplaceAll(err.Error(), token, "REDACTED"))
	}
	return err
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// randomKey returns a new random Idempotency-Key: a version-4 UUID.
func randomKey() string {
	var u [16]byte
	crand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
