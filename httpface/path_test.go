package httpface_test

import (
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/httpface"
)

// TestLogPath: the path a log line carries keeps short segments, replaces a long one (a token
// pasted into the path) by its length, and is cut at 256 bytes.
func TestLogPath(t *testing.T) {
	token := strings.Repeat("T", 86)
	tests := []struct{ path, want string }{
		{"/v1/drop", "/v1/drop"},
		{"/", "/"},
		{"", ""},
		{"/v1/drops/", "/v1/drops/"},
		{"/v1/drop/" + token, "/v1/drop/{86 bytes}"},
		{"/" + token + "/x", "/{86 bytes}/x"},
		{"/" + strings.Repeat("a", 32), "/" + strings.Repeat("a", 32)},
		{"/" + strings.Repeat("a", 33), "/{33 bytes}"},
		{strings.Repeat("/abcdefgh", 40), strings.Repeat("/abcdefgh", 32)[:256] + "…"},
	}
	for _, tt := range tests {
		if got := httpface.LogPath(tt.path); got != tt.want {
			t.Errorf("LogPath(%q) = %q, want %q", tt.path, got, tt.want)
		}
		if strings.Contains(httpface.LogPath(tt.path), token) {
			t.Errorf("LogPath(%q) holds the token", tt.path)
		}
	}
}
