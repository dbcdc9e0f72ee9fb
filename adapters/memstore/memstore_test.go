package memstore_test

import (
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/ports/storetest"
)

func TestContract(t *testing.T) { storetest.Run(t, harness) }

func TestIdempotency(t *testing.T) { storetest.RunIdempotency(t, harness) }

func harness(t *testing.T) storetest.Harness {
	s := memstore.New()
	return storetest.Harness{
		Store: s,
		Keys:  func(t *testing.T) []string { return s.Keys() },
	}
}
