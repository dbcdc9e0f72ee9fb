package contract_test

import (
	"testing"

	"github.com/s3-dropbox/s3-dropbox/contract"
)

// TestMaxPayloadBytes: the limit is a Function URL's, 6 MiB.
func TestMaxPayloadBytes(t *testing.T) {
	if got, want := contract.MaxPayloadBytes, 6<<20; got != want {
		t.Errorf("MaxPayloadBytes = %d, want %d", got, want)
	}
}
