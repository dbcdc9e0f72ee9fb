// Package client sends payloads to an s3-dropbox and makes at-least-once delivery into
// exactly-once storage: every payload carries its SHA-256 (Content-Digest) and an
// Idempotency-Key that stays the same for all its attempts, so that a retry after a lost
// answer is stored once (the service answers it as a replay). Attempts that may succeed on a
// retry (connection errors, timeouts, 408, 429, 502, 503, 504) are retried with exponential backoff
// and full jitter, honouring Retry-After up to the maximum backoff, within a deadline per
// payload; a refusal (any other 4xx) is not, nor a redirect, which is never followed, nor a
// server certificate that is not trusted (nothing is sent).
//
// As with net/http's Client, a Client is made once and used for many payloads: Options given
// to New hold for every payload (where to send, how to retry), SendOptions given to Send
// describe one payload (its content type, its Idempotency-Key).
package client

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/s3-dropbox/s3-dropbox/contract"
)

// Client sends payloads to one drop URL with one token. It is safe for concurrent use.
type Client struct {
	url   string
	token string
	cfg   config
	// secrets are what redact keeps out of errors: the token, the headers' credentials
	secrets []string
	sleep   func(ctx context.Context, d time.Duration) error // waits between attempts
}

// ErrPlainHTTP is why New refuses an http:// URL of a host that is not a loopback address
// (without WithPlainHTTP).
var ErrPlainHTTP = errors.New("the token would cross the network in clear text")

// New returns a client for the drop URL and the client token. The token is sent only in the
// Authorization header, only to that URL (redirects are not followed), never over plain
// http to a host that is not a loopback address unless WithPlainHTTP says so, and never
// appears in an error. A URL with a user name or password, or holding the token, is an error.
func New(dropURL, token string, opts ...Option) (*Client, error) {
	u, err := url.Parse(dropURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("client: the URL must be an http:// or https:// URL")
	}
	if !visibleWord(token) {
		return nil, errors.New("client: the token must be one word of visible ASCII characters, without spaces or line breaks")
	}
	c := &Client{url: dropURL, token: token, sleep: sleep, cfg: config{
		httpClient: http.DefaultClient, attempts: DefaultAttempts, timeout: DefaultTimeout, payloadTimeout: DefaultPayloadTimeout,
		backoff: DefaultBackoff, maxBackoff: DefaultMaxBackoff, maxBytes: contract.MaxPayloadBytes,
	}}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&c.cfg); err != nil {
			return nil, err
		}
	}
	if u.Scheme == "http" && !c.cfg.plainHTTP && !loopback(u.Hostname()) {
		return nil, fmt.Errorf("client: the URL is plain http:// to %s, not a loopback address: %w", u.Hostname(), ErrPlainHTTP)
	}
	if u.User != nil {
		return nil, errors.New("client: the URL holds a user name or password, which is never sent (the token is) and which process lists show: remove it")
	}
	if len(token) >= 8 && strings.Contains(dropURL, token) { // a shorter one could be any word of a URL
		return nil, errors.New("client: the URL holds the token, which process lists, logs and the server's access log would show: the token goes in the Authorization header only")
	}
	c.secrets = []string{token}
	for _, values := range c.cfg.header {
		for _, v := range values {
			if f := strings.Fields(v); len(f) > 0 && len(f[len(f)-1]) >= 8 {
				c.secrets = append(c.secrets, f[len(f)-1])
			}
		}
	}
	hc := *c.cfg.httpClient
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.cfg.httpClient = &hc
	return c, nil
}

// loopback reports whether host (a name or an address, without a port) is this machine's
// loopback: localhost, 127.0.0.0/8 or ::1.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Send delivers payload, retrying as the package doc says, until it is stored, refused, out
// of attempts, past the payload timeout (WithPayloadTimeout), or ctx ends. opts describe this
// payload. A payload that holds the token is refused, not sent.
func (c *Client) Send(ctx context.Context, payload []byte, opts ...SendOption) (Receipt, error) {
	p := payloadOptions(opts)
	sum := sha256.Sum256(payload)
	key := p.key(sum)
	if err := c.unsendable(payload, p, key); err != nil {
		return Receipt{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.payloadTimeout)
	defer cancel()
	if err := ctx.Err(); err != nil { // ended before the first attempt: nothing leaves
		fail := &Error{Outcome: contract.NotStored, IdempotencyKey: key, Err: err, Message: "not sent: cancelled before the first attempt"}
		if errors.Is(err, context.DeadlineExceeded) {
			fail.Message = "not sent: the deadline passed before the first attempt"
		}
		return Receipt{}, fail
	}
	digest := "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
	return c.deliver(ctx, p, payload, digest, key)
}

// key returns the payload's Idempotency-Key: the one given, else derived from a name and the
// content, else from the content, else a new random one.
func (p payload) key(sum [sha256.Size]byte) string {
	switch {
	case p.idempotencyKey != "":
		return p.idempotencyKey
	case p.keyName != nil:
		return NameContentKey(*p.keyName, sum)
	case p.keyFromContent:
		return "sha256-" + hex.EncodeToString(sum[:])
	}
	return randomKey()
}

// unsendable returns why payload cannot be sent with p and key (a refusal: nothing is sent),
// or nil.
func (c *Client) unsendable(payload []byte, p payload, key string) error {
	fail := &Error{Outcome: contract.Refused, IdempotencyKey: key}
	switch {
	case !visibleWord(key) || len(key) > 255:
		fail.IdempotencyKey = ""
		fail.Message = "the Idempotency-Key must be 1 to 255 visible ASCII characters: not sent"
	case !headerValue(p.contentType):
		fail.Message = "the content type holds a control character: not sent"
	case len(payload) > c.cfg.maxBytes:
		fail.Message = fmt.Sprintf("the payload is %d bytes, over the limit of %d: not sent", len(payload), c.cfg.maxBytes)
	case len(c.token) >= 8 && bytes.Contains(payload, []byte(c.token)): // a shorter one could be any word
		fail.Message = "the payload holds the client token: not sent (it would be stored, for whoever reads the bucket)"
	default:
		return nil
	}
	return fail
}

// deliver makes the attempts, and returns the receipt of the one answered 202, or the
// payload's outcome.
func (c *Client) deliver(ctx context.Context, p payload, payload []byte, digest, key string) (Receipt, error) {
	fail := &Error{Outcome: contract.Unknown, IdempotencyKey: key}
	maybe := false // an attempt may have stored the payload: a refusal after it is no proof of "not stored"
	for attempt := 1; attempt <= c.cfg.attempts; attempt++ {
		fail.Attempts = attempt
		a := c.post(ctx, p, payload, digest, key)
		if rid := a.header.Get("X-Request-Id"); rid != "" {
			fail.RequestID = requestID(c.redact([]byte(rid)))
		}
		v := c.classify(a, maybe)
		if v.stored {
			return Receipt{Replayed: a.header.Get("Idempotent-Replayed") == "true",
				Attempts: attempt, RequestID: fail.RequestID, IdempotencyKey: key}, nil
		}
		maybe = v.maybe
		fail.Status, fail.Message, fail.Err = a.status, v.message, a.err
		if v.final {
			fail.Outcome = v.outcome
			return Receipt{}, fail
		}
		if !c.pause(ctx, attempt, a.header, fail) {
			break
		}
	}
	if !maybe {
		fail.Outcome = contract.NotStored
	}
	return Receipt{}, fail
}

// answer is one attempt: the status, header and body of its answer, or its error (status 0),
// and how many connections it got.
type answer struct {
	status int
	header http.Header
	body   []byte
	conns  int32
	err    error
}

// verdict is what one attempt says of the payload.
type verdict struct {
	stored  bool             // answered 202
	final   bool             // not to be retried: outcome is the payload's
	outcome contract.Outcome // when final
	maybe   bool             // this attempt, or one before it, may have stored the payload
	message string           // what the answer said, or what went wrong
}

// classify says what attempt a says, maybe telling whether an earlier one may have stored the
// payload.
func (c *Client) classify(a answer, maybe bool) verdict {
	connected := a.conns > 0
	// a second connection is the transport's own retry after losing the request on a kept
	// one: that request may be stored, whatever this one's answer says
	v := verdict{outcome: contract.Unknown, maybe: maybe || a.conns > 1}
	untrusted := errors.As(a.err, new(*tls.CertificateVerificationError))
	switch {
	case a.err == nil && a.status == http.StatusAccepted:
		v.stored = true
	case untrusted && connected:
		// the handshake of the transport's own retry failed, after the request went on a kept
		// connection that was lost: it may be stored, and the next attempt fails too
		v.final, v.message = true, "no answer, then: "+a.err.Error()
	case untrusted: // nothing was sent: the handshake failed, and will fail again
		v.final, v.message, v.outcome = true, "not sent: "+a.err.Error(), refusedUnless(v.maybe)
	case a.err != nil:
		v.message = "no answer: " + a.err.Error()
		v.maybe = v.maybe || connected || !unreachable(a.err)
	case retryable(a.status):
		v.message = message(c.redact(a.body), a.status)
		v.maybe = v.maybe || a.status == http.StatusBadGateway || a.status == http.StatusGatewayTimeout
	case a.status >= 300 && a.status < 400:
		v.final, v.message = true, redirected(string(c.redact([]byte(a.header.Get("Location")))))
	case a.status >= 400 && a.status < 500:
		v.final, v.message, v.outcome = true, message(c.redact(a.body), a.status), refusedUnless(v.maybe)
	default: // a 500 (a bug of the service) or an unexpected answer: not worth retrying
		v.final, v.message = true, message(c.redact(a.body), a.status)
	}
	return v
}

// refusedUnless returns the outcome of a refusal: Refused, or Unknown if an earlier attempt
// may have stored the payload.
func refusedUnless(maybe bool) contract.Outcome {
	if maybe {
		return contract.Unknown
	}
	return contract.Refused
}

// pause waits before the attempt after attempt, as the answer's header h and the backoff say,
// and reports whether to make it; when not, fail's message says why (but after the last).
func (c *Client) pause(ctx context.Context, attempt int, h http.Header, fail *Error) bool {
	if attempt == c.cfg.attempts {
		return false
	}
	if ctx.Err() != nil {
		fail.Message += stopped(ctx)
		return false
	}
	d := c.wait(attempt, h)
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		fail.Message += fmt.Sprintf(" (the next attempt, due in %v, would start after the deadline)", d.Round(time.Millisecond))
		return false
	}
	if err := c.sleep(ctx, d); err != nil {
		fail.Message += stopped(ctx)
		return false
	}
	return true
}

// unreachable reports whether err is a connection (to the server or the proxy) that could
// not be made, or a name not resolved.
func unreachable(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect") {
		return true
	}
	return errors.As(err, new(*net.DNSError))
}

// payloadOptions applies opts over the defaults (a nil one is none).
func payloadOptions(opts []SendOption) payload {
	p := payload{contentType: DefaultContentType}
	for _, o := range opts {
		if o != nil {
			o(&p)
		}
	}
	return p
}

// post sends one attempt, counting its connections: Go's transport may send the request on a
// kept connection, lose it, and send it again on a new one (or fail to make one), so an error
// of connecting proves nothing was sent only without any, and an answer speaks for the whole
// attempt only with one.
func (c *Client) post(ctx context.Context, p payload, body []byte, digest, key string) answer {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.timeout)
	defer cancel()
	var got atomic.Int32
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { got.Add(1) }})
	a := c.attempt(ctx, p, body, digest, key)
	a.conns = got.Load()
	return a
}

// attempt sends one request and reads its answer.
func (c *Client) attempt(ctx context.Context, p payload, body []byte, digest, key string) answer {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return answer{header: http.Header{}, err: err}
	}
	for name, values := range c.cfg.header {
		for _, v := range values {
			req.Header.Add(name, v)
		}
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", p.contentType)
	req.Header.Set("Content-Digest", digest)
	req.Header.Set("Idempotency-Key", key)
	resp, err := c.cfg.httpClient.Do(req)
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		err = ue.Err // without the URL, whose query may hold a secret of its own
	}
	if err != nil {
		return answer{header: http.Header{}, err: c.scrub(err)}
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return answer{header: resp.Header, err: c.scrub(err)}
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: body}
}

// stopped says why Send stopped early: ctx's deadline (WithPayloadTimeout's or the caller's) or
// its cancellation.
func stopped(ctx context.Context) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return " (then the deadline passed)"
	}
	return " (then it was cancelled)"
}

// message returns the service's message from a body, or the status text, printable: control
// and format characters (a hostile server's terminal escapes, line breaks, bidirectional
// overrides) become spaces.
func message(body []byte, status int) string {
	m := strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(string(body), "?"))
	if m = strings.TrimSpace(m); m != "" {
		return m
	}
	return http.StatusText(status)
}

// maxRequestID is the longest X-Request-Id kept, in bytes.
const maxRequestID = 128

// requestID returns an answer's X-Request-Id printable (a hostile server may put anything
// there) and at most maxRequestID bytes and an ellipsis long (Go takes answer heads up to
// 10 MB).
func requestID(rid []byte) string {
	if len(rid) > maxRequestID {
		rid = append(bytes.ToValidUTF8(rid[:maxRequestID:maxRequestID], nil), "…"...)
	}
	return message(rid, 0)
}

// redirected says what a redirect is and that it was not followed.
func redirected(location string) string {
	if location == "" {
		return "a redirect without a Location: not followed (the token and the payload go to the URL given, nowhere else)"
	}
	if len(location) > 200 {
		location = location[:200] + "…"
	}
	return fmt.Sprintf("redirected to %q: not followed (the token and the payload go to the URL given, nowhere else); if that is the dropbox, use its URL", location)
}

// redact keeps the token, and the credential of each header given with WithHeader (a value's
// last word of 8 characters or more, such as the CDN's token), out of what a server said (a
// body, a Location), as a server that echoes its request would put them there: each becomes
// REDACTED, and so does a start of one of 8 characters or more that ends s (where the body was
// cut).
func (c *Client) redact(s []byte) []byte {
	for _, secret := range c.secrets {
		s = bytes.ReplaceAll(s, []byte(secret), []byte("REDACTED"))
	}
	for _, secret := range c.secrets {
		for k := len(secret) - 1; k >= 8; k-- {
			if bytes.HasSuffix(s, []byte(secret[:k])) {
				return append(s[:len(s)-k:len(s)-k], "REDACTED"...)
			}
		}
	}
	return s
}

// scrub keeps the secrets redact knows (the token, the headers' credentials) out of an error,
// whatever a transport put in it.
func (c *Client) scrub(err error) error {
	msg := err.Error()
	if clean := string(c.redact([]byte(msg))); clean != msg {
		return errors.New(clean)
	}
	return err
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
