package httpserver_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// TestDropPath: with a drop path, a drop with valid tokens to any other path (a typo, the
// root, a probe's path with POST, the path with a trailing slash) is answered 404 naming the
// drop path, and nothing is stored; the drop path stores; the probes answer as before. Each
// line logs the path, never the query string.
func TestDropPath(t *testing.T) {
	tests := []struct {
		method, target string
		want           int
	}{
		{http.MethodPost, "/v1/drop", 202},
		{http.MethodPost, "/v1/%64rop", 202}, // the same path, percent-encoded
		{http.MethodPost, "/v1/drops", 404},
		{http.MethodPost, "/v1/drop/", 404},
		{http.MethodPost, "/v1/drop/x", 404},
		{http.MethodPost, "/", 404},
		{http.MethodPost, "/healthz", 404},
		{http.MethodPost, "/readyz", 404},
		{http.MethodPost, "/V1/DROP", 404},
		{http.MethodPost, "//v1/drop", 404},
		{http.MethodPost, "/v1/../v1/drop", 404},
		{http.MethodGet, "/metrics", 404},
		{http.MethodGet, "/healthz", 200},
		{http.MethodHead, "/readyz", 200},
		{http.MethodGet, "/v1/drop", 405}, // the drop path: the core's answer
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			store := memstore.New()
			var log bytes.Buffer
			rec := httpface.Recorder{Log: slog.New(slog.NewJSONHandler(&log, nil))}
			h := httpserver.NewHandler(facetest.Core(t, store), rec, httpserver.WithDropPath("/v1/drop"))
			r := httptest.NewRequest(tt.method, tt.target+"?token=query-secret", strings.NewReader("payload"))
			r.Header.Set(facetest.CDNHeader, "Bearer "+facetest.CDNToken)
			r.Header.Set("Authorization", "Bearer "+facetest.AuthToken)
			r.Header.Set("Content-Length", "7")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("status %d %q, want %d", w.Code, w.Body.String(), tt.want)
			}
			stored := len(store.Keys())
			if want := map[bool]int{true: 1}[tt.want == 202]; stored != want {
				t.Errorf("%d objects stored, want %d", stored, want)
			}
			if tt.want == 404 {
				if got, want := w.Body.String(), "Not found: drops are POSTed to /v1/drop"; !strings.HasPrefix(got, want) {
					t.Errorf("body %q, want one starting %q", got, want)
				}
				if !strings.Contains(log.String(), `"reason":"not_found"`) || !strings.Contains(log.String(), `"status":404`) {
					t.Errorf("log %s: want the refusal's line", log.String())
				}
			}
			if tt.want != 200 && !strings.Contains(log.String(), `"path":"`) {
				t.Errorf("log %s: no path", log.String())
			}
			if strings.Contains(log.String(), "query-secret") {
				t.Errorf("log %s holds the query string", log.String())
			}
		})
	}
}

// TestDropPathLogged: the log line of a drop carries its decoded path.
func TestDropPathLogged(t *testing.T) {
	var log bytes.Buffer
	rec := httpface.Recorder{Log: slog.New(slog.NewJSONHandler(&log, nil))}
	h := httpserver.NewHandler(facetest.Core(t, memstore.New()), rec, httpserver.WithDropPath("/in"))
	for _, target := range []string{"/in", "/in/typo"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, target, strings.NewReader("p")))
		if want := `"path":"` + target + `"`; !strings.Contains(log.String(), want) {
			t.Errorf("log %s: want %s", log.String(), want)
		}
	}
}

// TestProbesAlone: Probes serves the probes as the handler does, and nothing else.
func TestProbesAlone(t *testing.T) {
	h := httpserver.NewHandler(facetest.Core(t, memstore.New()), quiet(), httpserver.WithDropPath("/v1/drop"))
	tests := []struct {
		method, target string
		want           int
	}{
		{http.MethodGet, "/healthz", 200},
		{http.MethodHead, "/readyz", 200},
		{http.MethodGet, "/v1/drop", 404},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		h.Probes().ServeHTTP(w, httptest.NewRequest(tt.method, tt.target, nil))
		if w.Code != tt.want {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.target, w.Code, tt.want)
		}
	}
	h.Drain()
	w := httptest.NewRecorder()
	h.Probes().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if w.Code != 503 {
		t.Errorf("/readyz while draining = %d, want 503", w.Code)
	}
}
