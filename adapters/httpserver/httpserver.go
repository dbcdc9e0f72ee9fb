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
	"strings"
	"time"

	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// HealthPath answers 200 to GET without authorization, for load balancers.
const HealthPath = "/healthz"

// Timeouts of the server: a slow client (slowloris) cannot hold a connection for long.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 30 * time.Second
	WriteTimeout      = 30 * time.Second
	IdleTimeout       = 120 * time.Second
	MaxHeaderBytes    = 64 << 10
	// StoreTimeout bounds one drop's storage, retries included: the client gets a 503 in time.
	StoreTimeout = 20 * time.Second
)

// ShutdownTimeout is how long drops in flight are given to finish once Serve's context ends.
const ShutdownTimeout = 25 * time.Second

// Serve serves h on ln until ctx ends, then shuts down gracefully: the listener closes at once
// (new connections are refused), drops in flight finish and are kept (up to ShutdownTimeout).
func Serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	srv := NewServer(ln.Addr().String(), h, log)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
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

// Handler serves drops on every path but HealthPath.
type Handler struct {
	dropper ports.Dropper
	rec     httpface.Recorder
}

// NewHandler returns a handler that hands drops to d and records each with rec.
func NewHandler(d ports.Dropper, rec httpface.Recorder) *Handler {
	return &Handler{dropper: d, rec: rec}
}

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

// ServeHTTP serves one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == HealthPath && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
		return
	}
	start := time.Now()
	id := requestID()
	w.Header().Set("X-Request-Id", id)

	ctx, cancel := context.WithTimeout(r.Context(), StoreTimeout)
	defer cancel()
	res, err := h.dropper.Drop(ctx, ports.DropRequest{
		Method: r.Method,
		Header: header(r.Header),
		Body:   body{r},
	})
	h.rec.Drop(ctx, id, res, err, time.Since(start))

	reply := httpface.ReplyTo(res, err)
	for k, v := range reply.Header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(reply.Status)
	io.WriteString(w, reply.Body)
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

// body reads a request's body through a cap, so that a client cannot make the server read
// more than the limit and a byte, whatever Content-Length says.
type body struct{ r *http.Request }

func (b body) Read(max int) ([]byte, error) {
	size := max + 1
	if cl := b.r.ContentLength; cl >= 0 && cl < int64(max) {
		size = int(cl) + 1 // room to see EOF without growing
	}
	buf := make([]byte, 0, size)
	src := io.LimitReader(b.r.Body, int64(max)+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := src.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
