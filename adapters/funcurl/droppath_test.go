package funcurl_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl"
	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl/funcurltest"
	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// TestDropPathOfTheFunction: by default the function stores a drop sent to any path, as the
// original did (CloudFront routes one path to it); with a drop path, any other path is 404,
// nothing stored, and the drop path stores. Each line logs the path.
func TestDropPathOfTheFunction(t *testing.T) {
	tests := []struct {
		dropPath, rawPath string
		want              int
	}{
		{"", "/v1/drop", 202},
		{"", "/", 202},
		{"", "/v1/drops", 202},
		{"", "/healthz", 202},
		{"/v1/drop", "/v1/drop", 202},
		{"/v1/drop", "/v1/%64rop", 202},
		{"/v1/drop", "/v1/drops", 404},
		{"/v1/drop", "/v1/drop/", 404},
		{"/v1/drop", "/", 404},
		{"/v1/drop", "/healthz", 404},
		{"/v1/drop", "/v1/%zz", 404},
	}
	for _, tt := range tests {
		t.Run(tt.dropPath+" "+tt.rawPath, func(t *testing.T) {
			store := memstore.New()
			var log bytes.Buffer
			rec := httpface.Recorder{Log: slog.New(slog.NewJSONHandler(&log, nil))}
			var opts []funcurl.Option
			if tt.dropPath != "" {
				opts = append(opts, funcurl.WithDropPath(tt.dropPath))
			}
			ev := funcurltest.Event(t, "plain")
			ev.Headers["authorization"] = "Bearer " + facetest.AuthToken
			ev.Headers["x-cdn-authorization"] = "Bearer " + facetest.CDNToken
			ev.RawPath = tt.rawPath
			resp, err := funcurl.New(facetest.Core(t, store), rec, opts...).Handle(context.Background(), ev)
			if err != nil || resp.StatusCode != tt.want {
				t.Fatalf("got %d %q, %v; want %d", resp.StatusCode, resp.Body, err, tt.want)
			}
			if want := map[bool]int{true: 1}[tt.want == 202]; len(store.Keys()) != want {
				t.Errorf("%d objects stored, want %d", len(store.Keys()), want)
			}
			if tt.want == 404 && !strings.HasPrefix(resp.Body, "Not found: drops are POSTed to "+tt.dropPath) {
				t.Errorf("body %q, want one naming the drop path", resp.Body)
			}
			if !strings.Contains(log.String(), `"path":"`) {
				t.Errorf("log %s: no path", log.String())
			}
		})
	}
}
