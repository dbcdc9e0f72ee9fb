package domain_test

import (
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/domain"
)

// TestCheckCDNHeader: a field name that the contract does not read for something else. A
// CDN's own limits (such as CloudFront's) are not the domain's: wiring checks them.
func TestCheckCDNHeader(t *testing.T) {
	tests := []struct{ name, want string }{
		{"X-CDN-Authorization", ""},
		{"x-origin-verify", ""},
		{"Host", ""}, // CloudFront cannot add it; another CDN may
		{"", "must be an HTTP header name"},
		{"x cdn", "must be an HTTP header name"},
		{"x-cdn:", "must be an HTTP header name"},
		{"Authorization", "must not be a header the service reads for something else"},
		{"content-type", "must not be a header the service reads"},
		{"Content-Digest", "must not be a header the service reads"},
		{"content-md5", "must not be a header the service reads"},
		{"CONTENT-LENGTH", "must not be a header the service reads"},
		{"Idempotency-Key", "must not be a header the service reads"},
	}
	for _, tt := range tests {
		err := domain.CheckCDNHeader(tt.name)
		if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("CheckCDNHeader(%q) = %v, want %q", tt.name, err, tt.want)
		}
		if err != nil && tt.name != "" && strings.Contains(err.Error(), tt.name) {
			t.Errorf("error %q repeats the name", err)
		}
	}
}
