package httpserver_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

const bobToken = "bob-token-for-the-upload-tests"

// uploadServer serves drops and uploads over a memory store, with two clients: the default
// one (facetest.AuthToken) and bob.
func uploadServer(t *testing.T, opts httpserver.UploadOptions) (*httptest.Server, *memstore.Store) {
	t.Helper()
	store := memstore.New()
	core := facetest.Core(t, store, func(c *domain.Config) {
		c.AuthTokens = append(c.AuthTokens, domain.Credential{Name: "bob", Digest: sha256.Sum256([]byte(bobToken))})
	})
	u, err := domain.NewUploads(core, store, domain.UploadConfig{MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	opts.MaxBytes, opts.PartSize = u.MaxBytes(), store.UploadPartSize()
	srv := httptest.NewServer(httpserver.NewHandler(core, quiet(), httpserver.WithUploads(u, opts)))
	t.Cleanup(srv.Close)
	return srv, store
}

// tusRequest sends one request with the two layers (as token's client) and Tus-Resumable,
// then hdr (pairs of name, value; an empty value removes the header).
func tusRequest(t *testing.T, method, url, token string, body []byte, hdr ...string) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(facetest.CDNHeader, "Bearer "+facetest.CDNToken)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Tus-Resumable", "1.0.0")
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	return facetest.Do(t, req)
}

func wantStatus(t *testing.T, what string, resp *http.Response, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("%s: %d, want %d", what, resp.StatusCode, status)
	}
	if got := resp.Header.Get("Tus-Resumable"); got != "1.0.0" {
		t.Errorf("%s: Tus-Resumable %q, want 1.0.0", what, got)
	}
}

func TestUploadProtocol(t *testing.T) {
	srv, store := uploadServer(t, httpserver.UploadOptions{})
	data := bytes.Repeat([]byte("0123456789abcdef"), 10000) // 160000 bytes: three memstore parts
	meta := "filename " + base64.StdEncoding.EncodeToString([]byte("big.csv")) + ",filetype " + base64.StdEncoding.EncodeToString([]byte("text/csv"))

	resp := tusRequest(t, "POST", srv.URL+"/v1/uploads/", facetest.AuthToken, nil, "Upload-Length", fmt.Sprint(len(data)), "Upload-Metadata", meta)
	wantStatus(t, "POST /v1/uploads/", resp, 201)
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, "/v1/uploads/") {
		t.Fatalf("Location %q, want a path under /v1/uploads/", loc)
	}
	if exp, err := http.ParseTime(resp.Header.Get("Upload-Expires")); err != nil || exp.Before(time.Now().Add(23*time.Hour)) {
		t.Errorf("Upload-Expires %q, want a date a day away", resp.Header.Get("Upload-Expires"))
	}
	url := srv.URL + loc

	resp = tusRequest(t, "HEAD", url, facetest.AuthToken, nil)
	wantStatus(t, "HEAD", resp, 200)
	if resp.Header.Get("Upload-Offset") != "0" || resp.Header.Get("Upload-Length") != fmt.Sprint(len(data)) || resp.Header.Get("Upload-Metadata") != meta || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("HEAD headers %v", resp.Header)
	}
	patch := func(token string, off, end int, hdr ...string) *http.Response {
		return tusRequest(t, "PATCH", url, token, data[off:end], append([]string{"Content-Type", "application/offset+octet-stream", "Upload-Offset", fmt.Sprint(off)}, hdr...)...)
	}
	checkUploadRefusals(t, srv.URL, url, patch)
	if got := tusRequest(t, "HEAD", url, facetest.AuthToken, nil).Header.Get("Upload-Offset"); got != "0" {
		t.Fatalf("after the refusals, Upload-Offset %s, want 0", got)
	}
	for off := 0; off < len(data); off += 50000 {
		end := min(off+50000, len(data))
		resp := patch(facetest.AuthToken, off, end)
		wantStatus(t, fmt.Sprintf("PATCH at %d", off), resp, 204)
		if got := resp.Header.Get("Upload-Offset"); got != fmt.Sprint(end) {
			t.Fatalf("PATCH at %d: Upload-Offset %s, want %d", off, got, end)
		}
	}
	keys := store.Keys()
	var objects []string
	for _, k := range keys {
		if !strings.HasPrefix(k, ".") {
			objects = append(objects, k)
		}
	}
	if len(objects) != 1 {
		t.Fatalf("store holds %q, want one object", objects)
	}
	o, _ := store.Get(context.Background(), objects[0])
	if !bytes.Equal(o.Data, data) || o.ContentType != "text/csv" || store.Filename(objects[0]) != "big.csv" {
		t.Errorf("object: %d bytes, %q, %q", len(o.Data), o.ContentType, store.Filename(objects[0]))
	}
	wantStatus(t, "DELETE of a complete upload", tusRequest(t, "DELETE", url, facetest.AuthToken, nil), 409)
}

// checkUploadRefusals sends the requests to the upload at url (on the server at srvURL) that
// must be refused, each with its status; patch sends a PATCH of the upload's bytes off to end.
func checkUploadRefusals(t *testing.T, srvURL, url string, patch func(token string, off, end int, hdr ...string) *http.Response) {
	t.Helper()
	tests := []struct {
		name   string
		resp   func() *http.Response
		status int
	}{
		{"no Tus-Resumable", func() *http.Response { return patch(facetest.AuthToken, 0, 10, "Tus-Resumable", "") }, 412},
		{"another version", func() *http.Response { return patch(facetest.AuthToken, 0, 10, "Tus-Resumable", "0.2.2") }, 412},
		{"no token", func() *http.Response { return patch(facetest.AuthToken, 0, 10, "Authorization", "") }, 401},
		{"no CDN header", func() *http.Response { return patch(facetest.AuthToken, 0, 10, facetest.CDNHeader, "") }, 401},
		{"another client's", func() *http.Response { return patch(bobToken, 0, 10) }, 404},
		{"another client's HEAD", func() *http.Response { return tusRequest(t, "HEAD", url, bobToken, nil) }, 404},
		{"a wrong offset", func() *http.Response { return patch(facetest.AuthToken, 5, 10) }, 409},
		{"a wrong checksum", func() *http.Response {
			return patch(facetest.AuthToken, 0, 10, "Upload-Checksum", "sha1 "+base64.StdEncoding.EncodeToString(make([]byte, 20)))
		}, 460},
		{"another content type", func() *http.Response { return patch(facetest.AuthToken, 0, 10, "Content-Type", "text/plain") }, 415},
		{"GET", func() *http.Response { return tusRequest(t, "GET", url, facetest.AuthToken, nil) }, 405},
		{"over the limit", func() *http.Response {
			return tusRequest(t, "POST", srvURL+"/v1/uploads", facetest.AuthToken, nil, "Upload-Length", fmt.Sprint(1<<20+1))
		}, 413},
	}
	for _, tt := range tests {
		wantStatus(t, tt.name, tt.resp(), tt.status)
	}
}

func TestUploadOptionsAndCORS(t *testing.T) {
	srv, _ := uploadServer(t, httpserver.UploadOptions{UploadFace: httpface.UploadFace{AllowedOrigins: []string{"https://app.example.com"}, PublicURL: "https://dropbox.example.com"}})
	// A preflight: no token, no Tus-Resumable.
	req, _ := http.NewRequest("OPTIONS", srv.URL+"/v1/uploads", nil)
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for name, want := range map[string]string{
		"Access-Control-Allow-Origin": "https://app.example.com",
		"Tus-Version":                 "1.0.0",
		"Tus-Max-Size":                fmt.Sprint(1 << 20),
		"Tus-Checksum-Algorithm":      "sha1,sha256,crc32c",
		"Tus-Extension":               "creation,termination,expiration,checksum",
	} {
		if got := resp.Header.Get(name); got != want {
			t.Errorf("preflight %s: %q, want %q", name, got, want)
		}
	}
	if resp.StatusCode != 204 || !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Upload-Offset") || !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "PATCH") {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	// Another origin gets no CORS header; the answer is the same otherwise.
	req.Header.Set("Origin", "https://evil.example.com")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("another origin: Access-Control-Allow-Origin %q, want none", got)
	}
	// A creation from the allowed origin: Location on the public URL, the tus headers exposed.
	resp = tusRequest(t, "POST", srv.URL+"/v1/uploads", facetest.AuthToken, nil, "Upload-Length", "10", "Origin", "https://app.example.com")
	wantStatus(t, "POST", resp, 201)
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "https://dropbox.example.com/v1/uploads/") {
		t.Errorf("Location %q, want on the public URL", loc)
	}
	if !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "Upload-Offset") {
		t.Errorf("Access-Control-Expose-Headers %q lacks Upload-Offset", resp.Header.Get("Access-Control-Expose-Headers"))
	}
}

// TestUploadsOff: without WithUploads, /v1/uploads is a drop's path, as before.
func TestUploadsOff(t *testing.T) {
	store := memstore.New()
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/v1/uploads", strings.NewReader("x"))
	r.Header.Set(facetest.CDNHeader, "Bearer "+facetest.CDNToken)
	r.Header.Set("Authorization", "Bearer "+facetest.AuthToken)
	r.Header.Set("Content-Length", "1")
	newHandler(t, store).ServeHTTP(w, r)
	if w.Code != 202 || w.Header().Get("Tus-Resumable") != "" {
		t.Errorf("POST /v1/uploads without uploads: %d %v, want a drop's 202", w.Code, w.Header())
	}
}

// TestUploadsBesideDropPath: with a drop path (DROP_PATH), the uploads' routes are served
// still, and any other path is 404.
func TestUploadsBesideDropPath(t *testing.T) {
	store := memstore.New()
	core := facetest.Core(t, store)
	u, err := domain.NewUploads(core, store, domain.UploadConfig{MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpserver.NewHandler(core, quiet(), httpserver.WithDropPath("/v1/drop"),
		httpserver.WithUploads(u, httpserver.UploadOptions{UploadFace: httpface.UploadFace{MaxBytes: 1 << 20}, PartSize: store.UploadPartSize()})))
	t.Cleanup(srv.Close)
	wantStatus(t, "POST /v1/uploads", tusRequest(t, "POST", srv.URL+"/v1/uploads", facetest.AuthToken, nil, "Upload-Length", "10"), 201)
	if resp := tusRequest(t, "POST", srv.URL+"/v1/other", facetest.AuthToken, nil); resp.StatusCode != 404 {
		t.Errorf("POST /v1/other: %d, want 404", resp.StatusCode)
	}
}
