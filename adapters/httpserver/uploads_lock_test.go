package httpserver_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// TestResumeAfterALostLockAnswer: a PATCH whose write of the state that takes the lock
// landed, or whose write that releases it did not, each answered "unknown", is a 504; a HEAD
// then tells the offset the state keeps, and a PATCH from it is a 204 at once (not 423 for the
// lease's 2 minutes, which tus-js-client's retries do not outlast); the upload is stored whole,
// once.
func TestResumeAfterALostLockAnswer(t *testing.T) {
	const data = "helloworld"
	for _, tt := range []struct {
		name   string
		lose   int // the state's replacement whose answer is lost: 1 takes the lock, 2 releases it
		landed bool
	}{
		{"the lock's write landed", 1, true},
		{"the unlocking write did not land", 2, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mem := memstore.New()
			var mu sync.Mutex
			n := 0
			lost := &porttest.LostAnswers{ETagStore: mem, Lose: func(ports.Object) (bool, bool) {
				mu.Lock()
				defer mu.Unlock()
				n++
				return n == tt.lose, tt.landed
			}}
			core := facetest.Core(t, lost)
			u, err := domain.NewUploads(core, mem, domain.UploadConfig{MaxBytes: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(httpserver.NewHandler(core, quiet(), httpserver.WithUploads(u, httpserver.UploadOptions{PartSize: mem.UploadPartSize()})))
			t.Cleanup(srv.Close)

			resp := tusRequest(t, "POST", srv.URL+"/v1/uploads", facetest.AuthToken, nil, "Upload-Length", fmt.Sprint(len(data)))
			wantStatus(t, "POST", resp, 201)
			url := srv.URL + resp.Header.Get("Location")
			patch := func(off, end int) int {
				resp := tusRequest(t, "PATCH", url, facetest.AuthToken, []byte(data[off:end]), "Content-Type", "application/offset+octet-stream", "Upload-Offset", fmt.Sprint(off))
				return resp.StatusCode
			}
			if got := patch(0, 5); got != 504 {
				t.Fatalf("PATCH with the answer lost: %d, want 504", got)
			}
			resp = tusRequest(t, "HEAD", url, facetest.AuthToken, nil)
			wantStatus(t, "HEAD", resp, 200)
			var off int
			if _, err := fmt.Sscan(resp.Header.Get("Upload-Offset"), &off); err != nil || off != 0 {
				t.Fatalf("HEAD: Upload-Offset %q, want 0", resp.Header.Get("Upload-Offset"))
			}
			if got := patch(off, len(data)); got != 204 {
				t.Fatalf("the resume PATCH at HEAD's offset %d: %d, want 204", off, got)
			}
			var objects []string
			for _, k := range mem.Keys() {
				if !strings.HasPrefix(k, domain.RecordPrefix) {
					objects = append(objects, k)
				}
			}
			if len(objects) != 1 {
				t.Fatalf("objects %v, want one", objects)
			}
			if obj, _ := mem.Get(context.Background(), objects[0]); string(obj.Data) != data {
				t.Errorf("object holds %q, want %q", obj.Data, data)
			}
		})
	}
}
