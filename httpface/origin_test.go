package httpface_test

import (
	"testing"

	"github.com/s3-dropbox/s3-dropbox/httpface"
)

// TestAllowedOriginIgnoresCaseOfSchemeAndHost: a CORS_ALLOWED_ORIGINS entry matches a
// request's Origin whatever the case of either's scheme and host (browsers send them in lower
// case; an entry may be written otherwise), and only with the same port, as written (none is
// not the scheme's default one written out). The allowed Origin is echoed as sent.
func TestAllowedOriginIgnoresCaseOfSchemeAndHost(t *testing.T) {
	tests := []struct {
		entry, origin string
		want          bool
	}{
		{"https://app.example.com", "https://app.example.com", true},
		{"https://App.Example.com", "https://app.example.com", true},
		{"HTTPS://APP.EXAMPLE.COM", "https://app.example.com", true},
		{"https://app.example.com", "https://App.Example.COM", true},
		{"http://LocalHost:3000", "http://localhost:3000", true},
		{"http://[::FFFF:7F00:1]:8080", "http://[::ffff:7f00:1]:8080", true},
		{"*", "https://anything.example.org", true},
		{"http://localhost:3000", "http://localhost:3001", false},
		{"http://localhost:3000", "http://localhost", false},
		{"https://app.example.com:443", "https://app.example.com", false},
		{"https://app.example.com", "http://app.example.com", false},
		{"https://app.example.com", "https://app.example.com.example.org", false},
		{"https://app.example.com", "https://app.example.co", false},
		{"https://\u212aey.example.com", "https://key.example.com", false}, // a Kelvin sign is no k
		{"https://app.example.com", "null", false},
	}
	for _, tt := range tests {
		f := httpface.UploadFace{AllowedOrigins: []string{"https://other.example.net", tt.entry}}
		common, _, _ := f.Early("POST", func(name string) string {
			if name == "Origin" {
				return tt.origin
			}
			return ""
		})
		want := ""
		if tt.want {
			want = tt.origin
		}
		if got := common["Access-Control-Allow-Origin"]; got != want {
			t.Errorf("entry %q, Origin %q: Access-Control-Allow-Origin %q, want %q", tt.entry, tt.origin, got, want)
		}
	}
}
