package s3store_test

import (
	"context"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/ports/storetest"
)

// TestUploadsMinIO runs the upload contract against real MinIO: multipart uploads, parts
// checked by their SHA-256, create-only completion.
func TestUploadsMinIO(t *testing.T) {
	srv := miniotest.Require(t)
	client := srv.Client(t)
	storetest.RunUploads(t, func(t *testing.T) storetest.UploadHarness {
		bucket := srv.NewBucket(t, client)
		s := s3store.New(client, bucket)
		return storetest.UploadHarness{
			Harness: storetest.Harness{Store: s, Keys: func(t *testing.T) []string { return miniotest.Keys(t, client, bucket) }},
			Uploads: s,
			Filename: func(t *testing.T, key string) string {
				name, err := s.Filename(context.Background(), key)
				if err != nil {
					t.Fatal(err)
				}
				return name
			},
		}
	})
}
