package domain_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// TestDeniedMessageNamesKMSDecrypt: S3 answers a GetObject 403 AccessDenied when the role may
// read the key but not decrypt it (a bucket encrypted with SSE-KMS, the role without
// kms:Decrypt on its key), so the storage_denied answer names kms:Decrypt too: an operator who
// grants only the S3 permissions it names would meet the same 500 again.
func TestDeniedMessageNamesKMSDecrypt(t *testing.T) {
	store, _ := faultyStore(fault{op: opGet, err: errDenied, times: 1 << 30})
	s := idemService(t, store, porttest.NewClock(time.Now()))
	if _, err := s.Drop(context.Background(), idemRequest("hello")); err != nil {
		t.Fatal(err)
	}
	_, err := s.Drop(context.Background(), idemRequest("hello"))
	if got := domain.ErrorCode(err); got != domain.EStorageDenied {
		t.Fatalf("retry: %v (code %q), want %q", err, got, domain.EStorageDenied)
	}
	if msg := domain.ErrorMessage(err); !strings.Contains(msg, "kms:Decrypt") {
		t.Errorf("message %q does not name kms:Decrypt, which an SSE-KMS bucket's records need", msg)
	}
}
