package miniotest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/s3script"
)

// Fault is what a FaultProxy does with one request.
type Fault int

// The faults. "Forwarded": the target got the request and acted on it.
const (
	Pass           Fault = iota // forwarded, and its answer returned
	LostBefore                  // not forwarded; the connection closed with no answer
	LostAfter                   // forwarded; the connection closed with no answer
	ResetBefore                 // not forwarded; the connection reset (RST)
	ResetAfter                  // forwarded; the connection reset (RST)
	Error500Before              // not forwarded; answered 500 InternalError
	Error500After               // forwarded; answered 500 InternalError in place of its answer
	SlowDown                    // not forwarded; answered 503 SlowDown
	Conflict                    // not forwarded; answered 409 ConditionalRequestConflict
)

var faultNames = [...]string{"pass", "lost-before", "lost-after", "reset-before", "reset-after", "500-before", "500-after", "503-slowdown", "409-conflict"}

func (f Fault) String() string {
	if int(f) < len(faultNames) {
		return faultNames[f]
	}
	return "fault(" + strconv.Itoa(int(f)) + ")"
}

// FaultProxy is an HTTP proxy on loopback in front of one target (MinIO, or a server), that
// does to each request what Choose says. It keeps the request's Host header, so that an S3
// signature made for the proxy's address holds at the target. A target that cannot be reached
// is answered 502, as a load balancer would.
type FaultProxy struct {
	*httptest.Server
	choose    func(r *http.Request) Fault
	transport *http.Transport

	mu     sync.Mutex
	target *url.URL
	counts map[Fault]int
	rules  S3Rules
}

// S3Rules are rules of Amazon S3 that MinIO does not play, for a FaultProxy to play in front
// of it (PlayS3). The zero value plays none.
type S3Rules struct {
	// CanList says whether the caller with accessKey holds s3:ListBucket on the bucket: a
	// GetObject or HeadObject of a missing key by a caller without it is answered 403
	// AccessDenied, as S3 answers it (MinIO answers 404 whoever asks). Nil: everyone can.
	CanList func(accessKey string) bool
	// Denies says whether a bucket policy's Deny refuses the request (such as a PutObject
	// without If-None-Match): it is answered 403 AccessDenied, not forwarded. Nil: none.
	Denies func(r *http.Request) bool
}

// PlayS3 plays rules from the next request on.
func (p *FaultProxy) PlayS3(rules S3Rules) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = rules
}

// AccessKey returns the access key that signed r (its Authorization header's Credential), or
// "" when r is not signed with AWS Signature Version 4.
func AccessKey(r *http.Request) string {
	_, cred, ok := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	if !ok {
		return ""
	}
	ak, _, _ := strings.Cut(cred, "/")
	return ak
}

// NewFaultProxy starts a proxy to target (a base URL) that does choose(request) to each
// request; it is closed when the test ends. choose may be called concurrently.
func NewFaultProxy(t testing.TB, target string, choose func(r *http.Request) Fault) *FaultProxy {
	t.Helper()
	p := &FaultProxy{
		choose:    choose,
		transport: &http.Transport{MaxIdleConnsPerHost: 64},
		counts:    map[Fault]int{},
	}
	p.SetTarget(target)
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(func() {
		p.Close()
		p.transport.CloseIdleConnections()
	})
	return p
}

// SetTarget sends the requests that follow to target (a base URL), such as a server started
// again on another port.
func (p *FaultProxy) SetTarget(target string) {
	u, err := url.Parse(target)
	if err != nil {
		panic(fmt.Sprintf("fault proxy target %q: %v", target, err))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.target = u
}

// Counts returns how many requests met each fault (Pass included).
func (p *FaultProxy) Counts() map[Fault]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.counts)
}

func (p *FaultProxy) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the client went away
	}
	fault := p.choose(r)
	p.mu.Lock()
	p.counts[fault]++
	target := *p.target
	rules := p.rules
	p.mu.Unlock()
	if failBefore(w, fault) {
		return
	}
	if rules.Denies != nil && rules.Denies(r) {
		s3script.WriteError(w, http.StatusForbidden, "AccessDenied")
		return
	}
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL.Scheme, out.URL.Host = target.Scheme, target.Host
	out.Host = r.Host
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.ContentLength = int64(len(body))
	resp, err := p.transport.RoundTrip(out)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			http.Error(w, "bad gateway: the target is down", http.StatusBadGateway)
			return
		}
		s3script.HangUp(w, false) // the target may have acted: the client cannot know
		return
	}
	answer, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case err != nil, fault == LostAfter:
		s3script.HangUp(w, false)
	case fault == ResetAfter:
		s3script.HangUp(w, true)
	case fault == Error500After:
		s3script.WriteError(w, http.StatusInternalServerError, "InternalError")
	case rules.hidesMissing(r, resp.StatusCode, answer):
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusForbidden) // a HEAD's answer has no body
			return
		}
		s3script.WriteError(w, http.StatusForbidden, "AccessDenied")
	default:
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		w.Write(answer)
	}
}

// failBefore answers a fault that acts before the request reaches the target, and reports
// whether fault is one.
func failBefore(w http.ResponseWriter, fault Fault) bool {
	switch fault {
	case LostBefore:
		s3script.HangUp(w, false)
	case ResetBefore:
		s3script.HangUp(w, true)
	case Error500Before:
		s3script.WriteError(w, http.StatusInternalServerError, "InternalError")
	case SlowDown:
		s3script.WriteError(w, http.StatusServiceUnavailable, "SlowDown")
	case Conflict:
		s3script.WriteError(w, http.StatusConflict, "ConditionalRequestConflict")
	default:
		return false
	}
	return true
}

// hidesMissing reports whether the target's answer to r, a missing key (404), is to be said
// as S3 says it to a caller without s3:ListBucket: 403.
func (rules S3Rules) hidesMissing(r *http.Request, status int, answer []byte) bool {
	if status != http.StatusNotFound || rules.CanList == nil || rules.CanList(AccessKey(r)) {
		return false
	}
	return r.Method == http.MethodHead || r.Method == http.MethodGet && bytes.Contains(answer, []byte("<Code>NoSuchKey</Code>"))
}

// FaultSeed returns the seed of a randomized run of faults: FAULT_SEED, or a random one when it is
// unset, logged so that a failing run can be repeated.
func FaultSeed(t testing.TB) uint64 {
	t.Helper()
	seed := rand.Uint64() % 1_000_000
	if v := os.Getenv("FAULT_SEED"); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("FAULT_SEED=%q: want a non-negative number", v)
		}
	}
	t.Logf("FAULT_SEED=%d repeats this run", seed)
	return seed
}
