// Package httpserver is the inbound adapter for plain HTTP (net/http): the same drop contract
// as the Function URL, for running the service on any machine, behind any load balancer.
package httpserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// Probe paths, answered without authorization, for load balancers and orchestrators.
const (
	HealthPath = "/healthz" // 200 while the process serves (liveness)
	ReadyPath  = "/readyz"  // 200 while it should get traffic; 503 once draining, or with storage unusable
)

// Timeouts of the server: a slow client (slowloris) cannot hold a connection for long, nor an
// idle one for more than IdleTimeout.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 30 * time.Second
	WriteTimeout      = 30 * time.Second
	IdleTimeout       = 30 * time.Second
	MaxHeaderBytes    = 8 << 10 // net/http reads 4 KiB more at most
	// StoreTimeout bounds one drop's storage, retries included: the client gets a 5xx in time.
	StoreTimeout = 20 * time.Second
)

// ShutdownTimeout is how long drops in flight are given to finish once the listener closes.
const ShutdownTimeout = 25 * time.Second

// DefaultDrain is how long the server keeps serving after its context ends, with /readyz
// answering 503, so that a load balancer stops sending before the listener closes.
const DefaultDrain = 5 * time.Second

// Readiness: the server is unready while the last unhealthyAfter drops that reached storage
// all failed, the latest within unhealthyFor (after that, traffic is let in again to find out).
const (
	unhealthyAfter = 5
	unhealthyFor   = 30 * time.Second
)

// Serve serves h on ln until ctx ends, then shuts down gracefully: /readyz answers 503 for
// drain while every request is still served; then the listener closes (new connections are
// refused) and drops in flight finish and are kept (up to ShutdownTimeout). At most maxConns
// connections are open at once (see connLimit); 0 means MaxConns of h's budget.
func Serve(ctx context.Context, ln net.Listener, h *Handler, log *slog.Logger, drain time.Duration, maxConns int) error {
	if maxConns <= 0 {
		maxConns = MaxConns(h.inflight.max)
	}
	srv, limited := NewLimitedServer(ln, h, log, maxConns)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(limited) }()
	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	h.Drain()
	log.Info("draining: /readyz answers 503, requests are still served", slog.Duration("drain", drain))
	select {
	case err := <-serveErr:
		return err
	case <-time.After(drain):
	}
	log.Info("shutting down: finishing drops in flight")
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-serveErr; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// Handler serves drops on every path but the probes'.
type Handler struct {
	dropper  ports.Dropper
	rec      httpface.Recorder
	inflight bytesInFlight
	ready    func(context.Context) error // the store's own check; nil: none
	draining atomic.Bool

	mu       sync.Mutex
	failures int       // drops in a row whose storage failed
	lastFail time.Time // the latest of them
}

// Option sets an option of a Handler.
type Option func(*Handler)

// WithMaxInflightBytes bounds the bytes of request bodies held at once
// (DefaultMaxInflightBytes): a drop that would go over is answered 503, and nothing is stored.
func WithMaxInflightBytes(n int64) Option { return func(h *Handler) { h.inflight.max = n } }

// WithReadiness adds check to /readyz: the store's own test that it can write.
func WithReadiness(check func(context.Context) error) Option {
	return func(h *Handler) { h.ready = check }
}

// NewHandler returns a handler that hands drops to d and records each with rec.
func NewHandler(d ports.Dropper, rec httpface.Recorder, opts ...Option) *Handler {
	h := &Handler{dropper: d, rec: rec}
	h.inflight.max = DefaultMaxInflightBytes
	for _, o := range opts {
		o(h)
	}
	return h
}

// Drain makes /readyz answer 503 from now on, while requests are still served; Serve calls it
// when its context ends.
func (h *Handler) Drain() { h.draining.Store(true) }

// NewServer returns an http.Server for h with the timeouts above. Serve it, and Shutdown it to
// stop: requests in flight finish, new connections are refused.
func NewServer(addr string, h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// MetricsMaxConns caps the connections of a metrics listener: its scrapers are few.
const MetricsMaxConns = 8

// NewLimitedServer returns a server for h with the timeouts of NewServer, and the listener to
// serve it on: ln holding at most max connections (see connLimit).
func NewLimitedServer(ln net.Listener, h http.Handler, log *slog.Logger, max int) (*http.Server, net.Listener) {
	srv := NewServer(ln.Addr().String(), h, log)
	return srv, limit(srv, ln, max)
}

// ServeHTTP serves one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		switch r.URL.Path {
		case HealthPath:
			h.probe(w, r, http.StatusOK, "ok\n")
			return
		case ReadyPath:
			if why := h.unready(r.Context()); why != "" {
				h.probe(w, r, http.StatusServiceUnavailable, why+"\n")
				return
			}
			h.probe(w, r, http.StatusOK, "ready\n")
			return
		}
	}
	if b := h.drop(w, r); !b.started {
		b.discard()
	}
}

// probe answers a probe; a body sent with it is never read, but discarded as a refused
// drop's is, so that it cannot hold the connection.
func (h *Handler) probe(w http.ResponseWriter, r *http.Request, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
	}
	w.WriteHeader(status)
	io.WriteString(w, body)
	if r.ContentLength != 0 {
		newBody(w, r, &h.inflight).discard()
	}
}

// drop serves one drop and returns its body: one refused on its headers was never read.
func (h *Handler) drop(w http.ResponseWriter, r *http.Request) *body {
	start := time.Now()
	done := h.rec.Begin()
	defer done()
	id := requestID()
	w.Header().Set("X-Request-Id", id)

	// A client that leaves does not cancel the storage of a body received whole: the
	// outcome stays the store's, never a failure the client caused.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), StoreTimeout)
	defer cancel()
	b := newBody(w, r, &h.inflight)
	defer b.release()
	res, err := h.dropper.Drop(ctx, ports.DropRequest{
		Method: r.Method,
		Header: header(r.Header),
		Body:   b,
	})
	h.observe(res, err)
	h.rec.Record(ctx, id, res, err, time.Since(start))

	reply := httpface.ReplyTo(res, err)
	for k, v := range reply.Header {
		w.Header().Set(k, v)
	}
	if r.ContentLength != 0 && !b.whole {
		// Its body is not all read: the connection ends after the answer (and the rest of
		// the body, if discarded).
		w.Header().Set("Connection", "close")
	}
	// The length lets a client read the whole answer while the rest of its body is discarded.
	w.Header().Set("Content-Length", strconv.Itoa(len(reply.Body)))
	w.WriteHeader(reply.Status)
	io.WriteString(w, reply.Body)
	return b
}

// unready says why the server should get no traffic now, or "" when it should.
func (h *Handler) unready(ctx context.Context) string {
	if h.draining.Load() {
		return "draining"
	}
	h.mu.Lock()
	failing := h.failures >= unhealthyAfter && time.Since(h.lastFail) < unhealthyFor
	h.mu.Unlock()
	if failing {
		return "storage failing"
	}
	if h.ready != nil {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if h.ready(ctx) != nil {
			return "storage unusable"
		}
	}
	return ""
}

// observe counts the drops that reached storage: a run of failures makes the server unready.
func (h *Handler) observe(res ports.DropResult, err error) {
	if res.StoreDuration == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch domain.ErrorCode(err) {
	case domain.EStorage, domain.EStorageUnknown:
		h.failures++
		h.lastFail = time.Now()
	default:
		h.failures = 0
	}
}

// requestID returns a new random request id.
func requestID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// header adapts http.Header; several values of a header are joined with commas, as Function
// URLs do.
type header http.Header

func (h header) Get(name string) (string, bool) {
	v := http.Header(h).Values(name)
	switch len(v) {
	case 0:
		return "", false
	case 1:
		return v[0], true
	default:
		return strings.Join(v, ","), true
	}
}
