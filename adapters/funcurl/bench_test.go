package funcurl_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl"
	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl/funcurltest"
	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// BenchmarkHandle is a whole drop through the Function URL handler, the core and memstore,
// with the log line and its metrics written (to io.Discard): everything after the runtime has
// decoded the event.
//
//	go test -run '^$' -bench BenchmarkHandle -benchmem -count 6 ./adapters/funcurl/
func BenchmarkHandle(b *testing.B) {
	for _, enc := range []string{"plain", "base64"} {
		for _, size := range []int{1024, 10240} {
			b.Run(enc+"/"+strconv.Itoa(size/1024)+"KB", func(b *testing.B) {
				ev := benchEvent(b, size, enc == "base64")
				rec := httpface.NewRecorder(slog.New(slog.NewJSONHandler(io.Discard, nil)), "S3Dropbox")
				var h *funcurl.Handler
				b.SetBytes(int64(size))
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if i%10000 == 0 { // a fresh store now and then, so memory stays flat
						core := facetest.Core(b, memstore.New())
						h = funcurl.New(core, rec)
					}
					i++
					resp, _ := h.Handle(context.Background(), ev)
					if resp.StatusCode != 202 {
						b.Fatalf("status %d", resp.StatusCode)
					}
				}
			})
		}
	}
}

// benchEvent returns the plain-text fixture carrying size bytes, base64-encoded or not.
func benchEvent(b testing.TB, size int, b64 bool) funcurl.Request {
	var ev funcurl.Request
	if err := json.Unmarshal(funcurltest.JSON("plain"), &ev); err != nil {
		b.Fatal(err)
	}
	body := strings.Repeat("x", size)
	if b64 {
		body = base64.StdEncoding.EncodeToString([]byte(body))
	}
	ev.Body, ev.IsBase64Encoded = &body, b64
	ev.Headers["content-length"] = strconv.Itoa(size)
	return ev
}
