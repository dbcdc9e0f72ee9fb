package httpserver_test

import (
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
)

// TestTusClientMinIO: tus-js-client against the server with the S3 store on MinIO.
func TestTusClientMinIO(t *testing.T) {
	srv := miniotest.Require(t)
	client := srv.Client(t)
	bucket := srv.NewBucket(t, client)
	store := s3store.New(client, bucket)
	const limit = 20 << 20
	RunTusClient(t, TusTarget{
		URL: serveUploads(t, store, limit),
		Visible: func(t *testing.T) []string {
			var out []string
			for _, k := range miniotest.Keys(t, client, bucket) {
				if !strings.HasPrefix(k, ".") {
					out = append(out, k)
				}
			}
			return out
		},
		Store: store,
	}, limit)
}
