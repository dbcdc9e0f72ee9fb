package memstore_test

import (
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/ports/storetest"
)

func TestUploads(t *testing.T) {
	storetest.RunUploads(t, func(t *testing.T) storetest.UploadHarness {
		s := memstore.New()
		return storetest.UploadHarness{
			Harness:  storetest.Harness{Store: s, Keys: func(t *testing.T) []string { return s.Keys() }},
			Uploads:  s,
			Filename: func(t *testing.T, key string) string { return s.Filename(key) },
		}
	})
}
