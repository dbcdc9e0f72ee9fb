package httpserver_test

import (
	"bytes"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// TestUploadsInClientRates: with CLIENT_RATES' rate of one drop and no more for a while, an
// upload's creation spends it (a second creation and a drop are 429 with Retry-After), and the
// upload's PATCHes do not: the upload completes.
func TestUploadsInClientRates(t *testing.T) {
	store := memstore.New()
	core := facetest.Core(t, store, func(c *domain.Config) {
		c.AuthTokens = append(c.AuthTokens, domain.Credential{Name: "bob", Digest: sha256.Sum256([]byte(bobToken))})
	})
	u, err := domain.NewUploads(core, store, domain.UploadConfig{MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	opts := httpserver.UploadOptions{PartSize: store.UploadPartSize()}
	opts.MaxBytes = u.MaxBytes()
	srv := httptest.NewServer(httpserver.NewHandler(core, quiet(), httpserver.WithUploads(u, opts),
		httpserver.WithClients(2), httpserver.WithClientRates(map[string]httpserver.Rate{"bob": {PerSecond: 0.001, Burst: 1}})))
	t.Cleanup(srv.Close)

	const size = 300
	created := tusRequest(t, "POST", srv.URL+"/v1/uploads", bobToken, nil, "Upload-Length", "300")
	wantStatus(t, "bob's first creation", created, http.StatusCreated)
	again := tusRequest(t, "POST", srv.URL+"/v1/uploads", bobToken, nil, "Upload-Length", "300")
	wantStatus(t, "bob's second creation", again, http.StatusTooManyRequests)
	if again.Header.Get("Retry-After") == "" {
		t.Error("the second creation's 429 has no Retry-After")
	}
	loc := srv.URL + created.Header.Get("Location")
	for _, off := range []string{"0", "100", "200"} {
		resp := tusRequest(t, "PATCH", loc, bobToken, bytes.Repeat([]byte("b"), 100),
			"Content-Type", "application/offset+octet-stream", "Upload-Offset", off)
		wantStatus(t, "bob's PATCH at "+off, resp, http.StatusNoContent)
	}
	var objects []string
	for _, k := range store.Keys() {
		if !strings.HasPrefix(k, ".") {
			objects = append(objects, k)
		}
	}
	if len(objects) != 1 {
		t.Errorf("store holds %q, want bob's upload (%d bytes)", objects, size)
	}
	req, _ := http.NewRequest("POST", srv.URL+"/v1/drop", bytes.NewReader([]byte("x")))
	req.Header.Set(facetest.CDNHeader, "Bearer "+facetest.CDNToken)
	req.Header.Set("Authorization", "Bearer "+bobToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("bob's drop after his creation: %d, want 429 (the creation spent his rate)", resp.StatusCode)
	}
}
