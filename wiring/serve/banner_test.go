package serve_test

import (
	"bytes"
	"net"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/wiring"
	"github.com/s3-dropbox/s3-dropbox/wiring/serve"
)

// TestBannerOfAnUnspecifiedAddress: dev mode listening on every address (-addr :8080,
// 0.0.0.0:8080, [::]:8080) prints curl and sender commands to a loopback address, which the
// sender takes over plain http (it refuses 0.0.0.0 and ::, which are not loopback), and says
// where it listens.
func TestBannerOfAnUnspecifiedAddress(t *testing.T) {
	tests := []struct {
		ip, listening, host string
	}{
		{"0.0.0.0", "http://0.0.0.0:8080", "127.0.0.1"},
		{"::", "http://[::]:8080", "::1"},
		{"127.0.0.1", "http://127.0.0.1:8080", "127.0.0.1"},
		{"::1", "http://[::1]:8080", "::1"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		serve.Banner(&b, wiring.DevTokens{Auth: "a", CDN: "c"}, &net.TCPAddr{IP: net.ParseIP(tt.ip), Port: 8080}, "/v1/drop", "/drops")
		if !strings.Contains(b.String(), "listening on "+tt.listening+",") {
			t.Errorf("%s: %q does not say it listens on %s", tt.ip, b.String(), tt.listening)
		}
		urls := regexp.MustCompile(`(?:curl -i|-url) (\S+)`).FindAllStringSubmatch(b.String(), -1)
		if len(urls) != 2 {
			t.Fatalf("%s: %q: want a curl and a sender URL", tt.ip, b.String())
		}
		for _, m := range urls {
			u, err := url.Parse(m[1])
			if err != nil || u.Hostname() != tt.host || u.Port() != "8080" {
				t.Errorf("%s: a command's URL is %s, want one to %s port 8080", tt.ip, m[1], tt.host)
			}
		}
	}
}
