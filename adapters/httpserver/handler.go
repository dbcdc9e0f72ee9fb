package httpserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// Handler serves drops on its drop path (WithDropPath; without it, on every path but the
// probes'), and the probes.
type Handler struct {
	dropper  ports.Dropper
	dropPath string // "": every path
	rec      httpface.Recorder
	inflight bytesInFlight
	fair     fairShares
	ready    func(context.Context) error // the store's own check; nil: none
	draining atomic.Bool
	probes   *http.ServeMux // the probes' patterns

	mu       sync.Mutex
	failures int       // drops in a row whose storage failed
	lastFail time.Time // the latest of them
}

// Option sets an option of a Handler.
type Option func(*Handler)

// WithMaxInflightBytes bounds the bytes of request bodies held at once
// (DefaultMaxInflightBytes): a drop that would go over is answered 503, and nothing is stored.
func WithMaxInflightBytes(n int64) Option { return func(h *Handler) { h.inflight.max = n } }

// WithClients says how many token entries (clients) there can be: with more than one, each
// client's share of the drops in progress, of the budget of bytes and of the connections
// leaves room for another (see fairShares).
func WithClients(n int) Option {
	return func(h *Handler) { h.fair.entries, h.inflight.entries = n, n }
}

// WithClientRates limits the drops of clients: by identity (a token entry's name, or
// "default#2" for the second entry, unnamed), by name ("default": each unnamed entry), or "*"
// for every client without a rate of its own. Over its rate, a drop is answered 429 with
// Retry-After, and nothing is stored.
func WithClientRates(rates map[string]Rate) Option {
	return func(h *Handler) { h.fair.rates = rates }
}

// WithReadiness adds check to /readyz: the store's own test that it can write.
func WithReadiness(check func(context.Context) error) Option {
	return func(h *Handler) { h.ready = check }
}

// WithDropPath serves drops on path alone, matched exactly against the request's decoded path
// (so "/v1/drop/" is another path): every other request but a probe is answered 404
// (domain.ENotFound) before any header or body is read. Without it, every path but the
// probes' is the drop path.
func WithDropPath(path string) Option { return func(h *Handler) { h.dropPath = path } }

// NewHandler returns a handler that hands drops to d and records each with rec.
func NewHandler(d ports.Dropper, rec httpface.Recorder, opts ...Option) *Handler {
	h := &Handler{dropper: d, rec: rec}
	h.inflight.max = DefaultMaxInflightBytes
	h.fair.now = time.Now
	h.fair.entries, h.inflight.entries = 1, 1
	for _, o := range opts {
		o(h)
	}
	h.probes = h.newProbes()
	return h
}

// Drain makes /readyz answer 503 from now on, while requests are still served; Server.Serve calls it
// when its context ends.
func (h *Handler) Drain() { h.draining.Store(true) }

// ServeHTTP serves one request: a probe's pattern (GET or HEAD of a probe path, as written),
// or else a drop, refused 404 on a path other than the drop path.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := h.probes.Handler(r); pattern != "" && path.Clean(r.URL.Path) == r.URL.Path {
		h.probes.ServeHTTP(w, r)
		return
	}
	if b := h.drop(w, r); !b.started {
		b.discard()
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
	var res ports.DropResult
	var err error
	if h.dropPath != "" && r.URL.Path != h.dropPath {
		err = httpface.NotFound(h.dropPath)
	} else {
		res, err = h.dropper.Drop(ctx, ports.DropRequest{
			Method:    r.Method,
			Header:    header(r.Header),
			Body:      b,
			Admission: admission{fair: &h.fair, body: b},
		})
	}
	h.observe(res, err)
	h.rec.Record(ctx, id, res, err, time.Since(start), slog.String("path", httpface.LogPath(r.URL.Path)))

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
