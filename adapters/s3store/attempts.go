package s3store

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// watch sees every attempt of one call, below the SDK's retries, and remembers whether any
// may have written: what S3's answer to each attempt proves is in the table of
// docs/promises.md ("What each answer of S3 proves").
type watch struct {
	mu       sync.Mutex
	maybe    bool // some attempt may have written: sent and unanswered, or a 5xx that proves nothing
	answered bool // some attempt was answered 2xx
}

// client returns next, watched.
func (w *watch) client(next s3.HTTPClient) s3.HTTPClient { return watched{w, next} }

// lost reports whether the call's outcome may differ from its final answer: an attempt may
// have written without its answer saying so (or was answered 2xx, yet the call failed).
func (w *watch) lost() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.maybe || w.answered
}

type watched struct {
	w    *watch
	next s3.HTTPClient
}

func (c watched) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.next.Do(req)
	var maybe, answered bool
	switch {
	case err != nil:
		maybe = !notSent(err)
	case resp.StatusCode/100 == 2:
		answered = true
	case resp.StatusCode >= 500:
		maybe = !refused(resp)
	}
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	c.w.maybe = c.w.maybe || maybe
	c.w.answered = c.w.answered || answered
	return resp, err
}

// notSent reports whether err says that a request never left this machine: the connection
// could not be made (refused, no route, no such host) or its TLS handshake failed.
func notSent(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	var cert *tls.CertificateVerificationError
	return errors.As(err, &op) && op.Op == "dial" || errors.As(err, &dns) || errors.As(err, &cert)
}

// refusals are the 5xx error codes with which S3 (and MinIO) turn a request away before
// acting on it: throttling. Every other 5xx, InternalError first, may follow a committed write.
var refusals = map[string]bool{"SlowDown": true, "SlowDownWrite": true}

// errorCode matches the code of an S3 error document.
var errorCode = regexp.MustCompile(`<Code>([A-Za-z0-9.]{1,64})</Code>`)

// maxErrorDoc bounds what refused reads of an error document: S3's are a few hundred bytes.
const maxErrorDoc = 4 << 10

// refused reports whether resp is a refusal (503 SlowDown). It reads the start of the error
// document and puts it back, so that the SDK reads the whole answer as sent.
func refused(resp *http.Response) bool {
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Body == nil {
		return false
	}
	head, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorDoc))
	resp.Body = readCloser{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	if err != nil {
		return false
	}
	m := errorCode.FindSubmatch(head)
	return m != nil && refusals[string(m[1])]
}

type readCloser struct {
	io.Reader
	io.Closer
}
