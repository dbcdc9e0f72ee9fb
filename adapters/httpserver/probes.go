package httpserver

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// Probe paths, answered without authorization, for load balancers and orchestrators.
const (
	HealthPath = "/healthz" // 200 while the process serves (liveness)
	ReadyPath  = "/readyz"  // 200 while it should get traffic; 503 once draining, or with storage unusable
)

// Readiness: the server is unready while the last unhealthyAfter drops that reached storage
// all failed, the latest within unhealthyFor (after that, traffic is let in again to find out).
const (
	unhealthyAfter = 5
	unhealthyFor   = 30 * time.Second
)

// newProbes returns the probes' patterns; every other request is a drop. ("GET" patterns
// answer HEAD too.)
func (h *Handler) newProbes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+HealthPath, func(w http.ResponseWriter, r *http.Request) {
		h.probe(w, r, http.StatusOK, "ok\n")
	})
	mux.HandleFunc("GET "+ReadyPath, func(w http.ResponseWriter, r *http.Request) {
		if why := h.unready(r.Context()); why != "" {
			h.probe(w, r, http.StatusServiceUnavailable, why+"\n")
			return
		}
		h.probe(w, r, http.StatusOK, "ready\n")
	})
	return mux
}

// Probes returns the probes alone (GET or HEAD of HealthPath and ReadyPath, as the handler
// answers them), to serve on another listener too, such as the metrics one, where an attack
// that fills the drop listener cannot fail them.
func (h *Handler) Probes() http.Handler { return h.probes }

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
	if !res.StoreTried {
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
