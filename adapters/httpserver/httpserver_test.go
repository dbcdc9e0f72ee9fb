package httpserver_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

func quiet() httpface.Recorder { return httpface.Recorder{Log: slog.New(slog.DiscardHandler)} }

func newHandler(t testing.TB, store ports.ObjectStore) http.Handler {
	t.Helper()
	core := facetest.Core(t, store)
	return httpserver.NewHandler(core, quiet())
}

// TestContract runs the shared behaviour table through the handler.
func TestContract(t *testing.T) { facetest.Run(t, adapter) }

// TestIdempotency runs the Idempotency-Key contract through the handler.
func TestIdempotency(t *testing.T) { facetest.RunIdempotency(t, adapter) }

// adapter sends the table's requests through the handler.
var adapter = facetest.Adapter{
	Serve: func(t *testing.T, core ports.Dropper, rec httpface.Recorder, req facetest.Request) facetest.Response {
		r := httptest.NewRequest(req.Method, "/v1/drop", strings.NewReader(req.Body))
		for k, v := range req.Header {
			r.Header.Set(k, v)
		}
		if cl, ok := req.Header["content-length"]; ok {
			r.ContentLength, _ = strconv.ParseInt(cl, 10, 64)
		} else {
			r.ContentLength = -1
		}
		w := httptest.NewRecorder()
		httpserver.NewHandler(core, rec).ServeHTTP(w, r)
		if id := w.Header().Get("X-Request-Id"); len(id) != 24 {
			t.Errorf("X-Request-Id = %q, want a 24-character id", id)
		}
		return facetest.Response{Status: w.Code, Header: w.Header(), Body: w.Body.String()}
	},
}

func TestHealthz(t *testing.T) {
	store := memstore.New()
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		w := httptest.NewRecorder()
		newHandler(t, store).ServeHTTP(w, httptest.NewRequest(method, "/healthz", nil))
		if w.Code != 200 {
			t.Errorf("%s /healthz = %d, want 200 without authorization", method, w.Code)
		}
	}
	w := httptest.NewRecorder()
	newHandler(t, store).ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/healthz", strings.NewReader("x")))
	if w.Code != 401 {
		t.Errorf("POST /healthz = %d, want 401: only GET and HEAD are the health check", w.Code)
	}
}

// countingReader counts what the server reads of a body.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestBodyReadThroughCap: a client that lies about Content-Length cannot make the handler read
// more than the limit and one byte.
func TestBodyReadThroughCap(t *testing.T) {
	src := &countingReader{r: bytes.NewReader(bytes.Repeat([]byte("z"), 1<<20))}
	r := httptest.NewRequest(http.MethodPost, "/", src)
	r.Header.Set(facetest.CDNHeader, "Bearer "+facetest.CDNToken)
	r.Header.Set("Authorization", "Bearer "+facetest.AuthToken)
	r.Header.Set("Content-Length", "10")
	r.ContentLength = 10
	w := httptest.NewRecorder()
	newHandler(t, memstore.New()).ServeHTTP(w, r)
	if w.Code != 413 {
		t.Errorf("status %d, want 413", w.Code)
	}
	if src.n > domain.DefaultMaxBytes+1+4096 {
		t.Errorf("read %d bytes of the body, want at most the limit and a byte (plus one read buffer)", src.n)
	}
}

// TestChunkedIsLengthRequired: through a real server, a body without Content-Length
// (chunked) is 411, as in the original.
func TestChunkedIsLengthRequired(t *testing.T) {
	store := memstore.New()
	srv := httptest.NewServer(newHandler(t, store))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "POST /v1/drop HTTP/1.1\r\nHost: x\r\n"+
		"X-Cdn-Authorization: Bearer "+facetest.CDNToken+"\r\nAuthorization: Bearer "+facetest.AuthToken+"\r\n"+
		"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 411 || string(b) != "The content-length header must be present" {
		t.Errorf("got %d %q, want 411", resp.StatusCode, b)
	}
	if len(store.Keys()) != 0 {
		t.Error("a chunked drop was stored")
	}
}

// TestRealServerDrop: a drop through a real listener and client, as curl would send it.
func TestRealServerDrop(t *testing.T) {
	store := memstore.New()
	srv := httptest.NewServer(newHandler(t, store))
	defer srv.Close()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+"/", strings.NewReader("hello, dropbox"))
	req.Header.Set("X-CDN-Authorization", "Bearer "+facetest.CDNToken)
	req.Header.Set("Authorization", "Bearer "+facetest.AuthToken)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 202 || resp.Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("got %d %s, want 202 text/plain", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	keys := store.Keys()
	if len(keys) != 1 {
		t.Fatalf("%d objects, want 1", len(keys))
	}
	if o, _ := store.Get(context.Background(), keys[0]); string(o.Data) != "hello, dropbox" {
		t.Errorf("stored %q", o.Data)
	}
}

// TestProbeRouting: only GET or HEAD of a probe path, as written, is a probe; every other
// request, on any path, is a drop (here refused for want of tokens: 401), never a redirect.
func TestProbeRouting(t *testing.T) {
	tests := []struct {
		method, target string
		want           int
	}{
		{http.MethodGet, "/healthz", 200},
		{http.MethodHead, "/readyz", 200},
		{http.MethodGet, "/%68ealthz", 200},
		{http.MethodPost, "/readyz", 401},
		{http.MethodPut, "/healthz", 401},
		{http.MethodGet, "//healthz", 401},
		{http.MethodGet, "/x/../healthz", 401},
		{http.MethodGet, "/healthz/", 401},
		{http.MethodGet, "/healthz/x", 401},
		{http.MethodGet, "/v1/drop", 401},
	}
	h := newHandler(t, memstore.New())
	for _, tt := range tests {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(tt.method, tt.target, nil))
		if got := w.Code; got != tt.want {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.target, got, tt.want)
		}
	}
}
