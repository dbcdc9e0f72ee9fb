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
// of attempts, past the payload timeout (WithPayloadTimeout), or ctx ends. opts describe this payload. A
// payload that holds the token is refused, not sent.
func (c *Client) Send(ctx context.Context, payload []byte, opts ...SendOption) (Receipt, error) {
	p := payloadOptions(opts)
	sum := sha256.Sum256(payload)
	key := p.idempotencyKey
	switch {
	case key != "":
	case p.keyName != nil:
		key = NameContentKey(*p.keyName, sum)
	case p.keyFromContent:
		key = "sha256-" + hex.EncodeToString(sum[:])
	default:
		key = randomKey()
	}
	fail := &Error{IdempotencyKey: key, Outcome: contract.Refused}
	if !visibleWord(key) || len(key) > 255 {
		fail.IdempotencyKey = ""
		fail.Message = "the Idempotency-Key must be 1 to 255 visible ASCII characters: not sent"
		return Receipt{}, fail
	}
	if !headerValue(p.contentType) {
		fail.Message = "the content type holds a control character: not sent"
		return Receipt{}, fail
	}
	if len(payload) > c.cfg.maxBytes {
		fail.Message = fmt.Sprintf("the payload is %d bytes, over the limit of %d: not sent", len(payload), c.cfg.maxBytes)
		return Receipt{}, fail
	}
	if len(c.token) >= 8 && bytes.Contains(payload, []byte(c.token)) { // a shorter one could be any word
		fail.Message = "the payload holds the client token: not sent (it would be stored, for whoever reads the bucket)"
		return Receipt{}, fail
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.payloadTimeout)
	defer cancel()
	if err := ctx.Err(); err != nil { // ended before the first attempt: nothing leaves
		fail.Message, fail.Err, fail.Outcome = "not sent: cancelled before the first attempt", err, contract.NotStored
		if errors.Is(err, context.DeadlineExceeded) {
			fail.Message = "not sent: the deadline passed before the first attempt"
		}
		return Receipt{}, fail
	}
	digest := "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
	maybe := false // an attempt may have stored the payload: a refusal after it is no proof of "not stored"
	fail.Outcome = contract.Unknown
	for attempt := 1; attempt <= c.cfg.attempts; attempt++ {
		fail.Attempts = attempt
		status, header, body, conns, err := c.post(ctx, p, payload, digest, key)
		connected := conns > 0
		// a second connection is the transport's own retry after losing the request on a kept
		// one: that request may be stored, whatever this one's answer says
		maybe = maybe || conns > 1
		if rid := header.Get("X-Request-Id"); rid != "" {
			fail.RequestID = requestID(c.redact([]byte(rid)))
		}
		switch {
		case err == nil && status == http.StatusAccepted:
			return Receipt{Replayed: header.Get("Idempotent-Replayed") == "true",
				Attempts: attempt, RequestID: fail.RequestID, IdempotencyKey: key}, nil
		case errors.As(err, new(*tls.CertificateVerificationError)) && connected:
			// the handshake of the transport's own retry failed, after the request went on a
			// kept connection that was lost: it may be stored, and the next attempt fails too
			fail.Status, fail.Message, fail.Err = 0, "no answer, then: "+err.Error(), err
			return Receipt{}, fail
		case errors.As(err, new(*tls.CertificateVerificationError)):
			// nothing was sent: the handshake failed, and will fail again
			fail.Status, fail.Message, fail.Err = 0, "not sent: "+err.Error(), err
			fail.Outcome = refusedUnless(maybe)
			return Receipt{}, fail
		case err != nil:
			fail.Status, fail.Message, fail.Err = 0, "no answer: "+err.Error(), err
			maybe = maybe || connected || !unreachable(err)
		case retryable(status):
			fail.Status, fail.Message, fail.Err = status, message(c.redact(body), status), nil
			maybe = maybe || status == http.StatusBadGateway || status == http.StatusGatewayTimeout
		case status >= 300 && status < 400:
			fail.Status, fail.Message, fail.Err = status, redirected(string(c.redact([]byte(header.Get("Location"))))), nil
			return Receipt{}, fail
		case status >= 400 && status < 500:
			fail.Status, fail.Message, fail.Err = status, message(c.redact(body), status), nil
			fail.Outcome = refusedUnless(maybe)
			return Receipt{}, fail
		default: // a 500 (a bug of the service) or an unexpected answer: not worth retrying
			fail.Status, fail.Message, fail.Err = status, message(c.redact(body), status), nil
			return Receipt{}, fail
		}
		if attempt == c.cfg.attempts {
			break
		}
		if ctx.Err() != nil {
			fail.Message += stopped(ctx)
			break
		}
		d := c.wait(attempt, header)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
			fail.Message += fmt.Sprintf(" (the next attempt, due in %v, would start after the deadline)", d.Round(time.Millisecond))
			break
		}
		if err := c.sleep(ctx, d); err != nil {
			fail.Message += stopped(ctx)
			break
		}
	}
	if !maybe {
		fail.Outcome = contract.NotStored
	}
	return Receipt{}, fail
}

// refusedUnless returns the outcome of a refusal: Refused, or Unknown if an earlier attempt
// may have stored the payload.
func refusedUnless(maybe bool) contract.Outcome {
	if maybe {
		return contract.Unknown
	}
	return contract.Refused
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

// post sends one attempt, and returns how many connections it got: Go's transport may send
// the request on a kept connection, lose it, and send it again on a new one (or fail to make
// one), so an error of connecting proves nothing was sent only without any, and an answer
// speaks for the whole attempt only with one.
func (c *Client) post(ctx context.Context, p payload, body []byte, digest, key string) (status int, header http.Header, answer []byte, conns int32, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.timeout)
	defer cancel()
	var got atomic.Int32
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { got.Add(1) }})
	status, header, answer, err = c.attempt(ctx, p, body, digest, key)
	return status, header, answer, got.Load(), err
}

// attempt sends one request and reads its answer.
func (c *Client) attempt(ctx context.Context, p payload, body []byte, digest, key string) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return 0, http.Header{}, nil, err
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
		return 0, http.Header{}, nil, c.scrub(err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return 0, resp.Header, nil, c.scrub(err)
	}
	return resp.StatusCode, resp.Header, answer, nil
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
