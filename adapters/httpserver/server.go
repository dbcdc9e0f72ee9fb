package httpserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
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

// DefaultDrainPeriod is how long the server keeps serving after its context ends, with /readyz
// answering 503, so that a load balancer stops sending before the listener closes.
const DefaultDrainPeriod = 5 * time.Second

// Server serves a Handler on a listener until its context ends, then shuts down gracefully:
// /readyz answers 503 for DrainPeriod while every request is still served; then the listener closes
// (new connections are refused) and drops in flight finish and are kept (up to
// ShutdownTimeout).
type Server struct {
	Handler     *Handler
	Log         *slog.Logger
	DrainPeriod time.Duration // how long /readyz answers 503 before the listener closes
	MaxConns    int           // connections open at once (see connLimit); 0: MaxConns of the handler's budget and DefaultMemory

	limited atomic.Pointer[connLimit] // once serving

	testHookDraining func() // runs once /readyz answers 503
	testHookEvicted  func() // runs each time the cap closes a connection to make room
}

// Serve serves s.Handler on ln until ctx ends, then drains and shuts down.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	h, log := s.Handler, s.Log
	maxConns := s.MaxConns
	if maxConns <= 0 {
		maxConns = MaxConns(h.inflight.max, DefaultMemory)
	}
	h.fair.mu.Lock()
	h.fair.slots = maxConns
	h.fair.mu.Unlock()
	srv := newServer(ln.Addr().String(), h, log)
	limited := limit(srv, ln, maxConns)
	limited.clients = h.fair.entries
	s.limited.Store(limited)
	limited.testHookEvicted = s.testHookEvicted
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(limited) }()
	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	h.Drain()
	if s.testHookDraining != nil {
		s.testHookDraining()
	}
	log.Info("draining: /readyz answers 503, requests are still served", slog.Duration("drain", s.DrainPeriod))
	select {
	case err := <-serveErr:
		return err
	case <-time.After(s.DrainPeriod):
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

// ConnStats returns the connection cap's figures; zero before Serve.
func (s *Server) ConnStats() ConnStats {
	if l := s.limited.Load(); l != nil {
		return l.stats()
	}
	return ConnStats{}
}

// newServer returns an http.Server for h with the timeouts above. Serve it, and Shutdown it to
// stop: requests in flight finish, new connections are refused. h serves OPTIONS * too:
// net/http's own answer to it reads its body first, as an active request the cap cannot close.
func newServer(addr string, h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Addr:                         addr,
		Handler:                      h,
		DisableGeneralOptionsHandler: true,
		ReadHeaderTimeout:            ReadHeaderTimeout,
		ReadTimeout:                  ReadTimeout,
		WriteTimeout:                 WriteTimeout,
		IdleTimeout:                  IdleTimeout,
		MaxHeaderBytes:               MaxHeaderBytes,
		ErrorLog:                     slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// MetricsMaxConns caps the connections of a metrics listener: its scrapers are few.
const MetricsMaxConns = 8

// NewLimitedServer returns a server for h with the timeouts above, and the listener to
// serve it on: ln holding at most max connections (see connLimit). h reads no request body:
// a request with one is answered 400 and its body discarded, as a refused drop's is (net/http
// would read it before the answer, as an active request the cap cannot close).
func NewLimitedServer(ln net.Listener, h http.Handler, log *slog.Logger, max int) (*http.Server, net.Listener) {
	srv := newServer(ln.Addr().String(), bodiless(h), log)
	return srv, limit(srv, ln, max)
}

// bodilessMessage is the answer to a request with a body on a listener that reads none.
const bodilessMessage = "This listener reads no request body: send the request without one\n"

// bodiless serves h, which reads no request body; a request with one is answered 400 at
// once, and its body discarded.
func bodiless(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength == 0 {
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(bodilessMessage)))
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, bodilessMessage)
		newBody(w, r, nil).discard()
	})
}
