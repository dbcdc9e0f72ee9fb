package domain_test

import (
	"context"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// TestTokenPadding: a token is accepted with spaces and tabs around it (HTTP's own whitespace,
// as the original accepted), and with no other whitespace: each other kind would be one more
// header value that the edge's per-client rate limit counts apart.
func TestTokenPadding(t *testing.T) {
	tests := []struct {
		name, value string
		want        bool
	}{
		{"bare", "Bearer " + authClient, true},
		{"spaces before", "Bearer    " + authClient, true},
		{"spaces after", "Bearer " + authClient + "   ", true},
		{"a tab before and after", "Bearer \t" + authClient + "\t", true},
		{"a vertical tab", "Bearer \v" + authClient, false},
		{"a form feed", "Bearer " + authClient + "\f", false},
		{"a no-break space", "Bearer \u00a0" + authClient, false},
		{"an em space", "Bearer \u2003" + authClient, false},
		{"an ideographic space", "Bearer " + authClient + "\u3000", false},
		{"a next line", "Bearer \u0085" + authClient, false},
	}
	for _, tt := range tests {
		store, clock, ids := deps()
		s := newService(t, store, clock, ids)
		h := validHeader()
		h["authorization"] = tt.value
		_, err := s.Drop(context.Background(), ports.DropRequest{Method: "POST", Header: h, Body: body("hello")})
		if got := err == nil; got != tt.want {
			t.Errorf("%s (%q): accepted %v (%v), want %v", tt.name, tt.value, got, err, tt.want)
		}
		if !tt.want && domain.ErrorCode(err) != domain.EUnauthorizedAuth {
			t.Errorf("%s: %v, want %s", tt.name, err, domain.EUnauthorizedAuth)
		}
	}
}
