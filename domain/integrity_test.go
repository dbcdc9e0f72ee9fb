package domain

import (
	"crypto/sha256"
	"encoding/base64"
	"testing"
)

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
