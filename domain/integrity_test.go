package domain

import (
	"crypto/sha256"
	"encoding/base64"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

func TestContentType(t *testing.T) {
	tests := []struct{ header, want string }{
		{"", DefaultContentType},
		{"application/json", "application/json"},
		{"TEXT/CSV; Charset=utf-8; header=present", "text/csv; charset=utf-8; header=present"},
		{"text", DefaultContentType},
		{"a/b; c", DefaultContentType},
		{"image/png ", "image/png"},
	}
	for _, tt := range tests {
		h := porttest.Header{}
		if tt.header != "" {
			h["content-type"] = tt.header
		}
		if got := contentType(h); got != tt.want {
			t.Errorf("contentType(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestContentDigest(t *testing.T) {
	sum := sha256.Sum256([]byte("x"))
	b64 := base64.StdEncoding.EncodeToString(sum[:])
	tests := []struct {
		header    string
		found, ok bool
	}{
		{"sha-256=:" + b64 + ":", true, true},
		{"SHA-256=:" + b64 + ":", true, true},
		{"sha-512=:AAAA:", false, true},
		{"sha-256=:" + b64 + ":;p=1", true, true},
		{"sha-256=:" + b64 + ":, sha-256=:" + b64 + ":", false, false}, // twice
		{"sha-256=" + b64, false, false},
		{"sha-256=:AAAA:", false, false}, // not 32 bytes
		{"sha-256=:not base64:", false, false},
		{"", false, false},
	}
	for _, tt := range tests {
		d, found, err := contentDigestSHA256(tt.header)
		if found != tt.found || (err == nil) != tt.ok {
			t.Errorf("%q: found %v, err %v; want found %v, ok %v", tt.header, found, err, tt.found, tt.ok)
		}
		if found && string(d) != string(sum[:]) {
			t.Errorf("%q: digest %x", tt.header, d)
		}
	}
}
