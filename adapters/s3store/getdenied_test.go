package s3store_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// TestGetErrors: a read S3 refuses (403 AccessDenied, which it answers for a missing key to a
// caller without s3:ListBucket) is ErrDenied, naming what to grant, never ErrNotFound; a 404
// NoSuchKey is ErrNotFound; any other failure is neither.
func TestGetErrors(t *testing.T) {
	tests := []struct {
		status int
		code   string
		want   error // nil: neither sentinel
	}{
		{http.StatusForbidden, "AccessDenied", ports.ErrDenied},
		{http.StatusNotFound, "NoSuchKey", ports.ErrNotFound},
		{http.StatusNotFound, "NoSuchBucket", nil},
		{http.StatusServiceUnavailable, "SlowDown", nil},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			store, _, _ := fakeS3(t, tt.status, tt.code)
			_, err := store.Get(context.Background(), ".idempotency/k")
			for _, s := range []error{ports.ErrDenied, ports.ErrNotFound} {
				if got, want := errors.Is(err, s), s == tt.want; got != want {
					t.Errorf("errors.Is(%v, %v) = %v, want %v", err, s, got, want)
				}
			}
			if tt.want == ports.ErrDenied && (!strings.Contains(err.Error(), "s3:GetObject on arn:aws:s3:::bucket/.idempotency/*") || !strings.Contains(err.Error(), "s3:ListBucket on arn:aws:s3:::bucket;")) {
				t.Errorf("%v: does not say what to grant", err)
			}
		})
	}
}
