package httpserver_test

import (
	"bufio"
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// FuzzRequest: any request the server could parse.
func FuzzRequest(f *testing.F) {
	valid := "POST /v1/drop HTTP/1.1\r\nHost: x\r\nX-Cdn-Authorization: Bearer " + facetest.CDNToken +
		"\r\nAuthorization: Bearer " + facetest.AuthToken + "\r\nContent-Length: 5\r\n\r\nhello"
	f.Add([]byte(valid))
	f.Add([]byte("POST / HTTP/1.1\r\nHost: x\r\nX-Cdn-Authorization: Bearer " + facetest.CDNToken +
		"\r\nAuthorization: Bearer " + facetest.AuthToken + "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"))
	f.Add([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Add([]byte("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Add([]byte("POST / HTTP/1.0\r\nAuthorization: Bearer x\r\nContent-Length: 99999999999\r\n\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return // the server answers 400 itself before any handler
		}
		store := memstore.New()
		w := httptest.NewRecorder()
		newHandler(t, store).ServeHTTP(w, r)
		probe := r.URL.Path == httpserver.HealthPath || r.URL.Path == httpserver.ReadyPath
		if probe && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			if w.Code != 200 || len(store.Keys()) != 0 {
				t.Fatalf("probe %s: %d and %d objects", r.URL.Path, w.Code, len(store.Keys()))
			}
			return
		}
		facetest.CheckInvariants(t, r.Header.Values, w.Code, w.Body.String(), store)
	})
}
