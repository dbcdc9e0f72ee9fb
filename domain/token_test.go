package domain_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/domain"
)

// TestTokenDigestMatchesOriginal: the values of the original's Python
// b64encode(hashlib.sha256(token.encode()).digest()).
func TestTokenDigestMatchesOriginal(t *testing.T) {
	tests := []struct{ client, want string }{
		{"cdn_header_value", "wPzS+/l5yV0MPN7H+8oQxSXq+x6UWiSRyTH305L1N+k="},
		{"", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
	}
	for _, tt := range tests {
		if got := domain.TokenDigest(tt.client); got != tt.want {
			t.Errorf("TokenDigest(%q) = %q, want %q", tt.client, got, tt.want)
		}
	}
}

func TestNewClientToken(t *testing.T) {
	urlSafe := regexp.MustCompile(`^[A-Za-z0-9_-]{86}$`)
	a, err := domain.NewClientToken(nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := domain.NewClientToken(nil)
	if !urlSafe.MatchString(a) || a == b {
		t.Errorf("tokens %q, %q: want two different 86-character URL-safe base64 strings", a, b)
	}
	// The token is the encoding of the reader's 64 bytes.
	seed := bytes.Repeat([]byte{0xfb}, 64)
	got, _ := domain.NewClientToken(bytes.NewReader(seed))
	if want := base64.RawURLEncoding.EncodeToString(seed); got != want {
		t.Errorf("NewClientToken(seed) = %q, want %q", got, want)
	}
	if _, err := domain.NewClientToken(bytes.NewReader(seed[:10])); err == nil {
		t.Error("NewClientToken with too little randomness succeeded, want an error")
	}
}

func TestParseTokenDigest(t *testing.T) {
	good := domain.TokenDigest("x")
	d, err := domain.ParseTokenDigest(good)
	if err != nil || d != sha256.Sum256([]byte("x")) {
		t.Fatalf("ParseTokenDigest(%q) = %x, %v; want the SHA-256 of x", good, d, err)
	}
	bad := []string{
		"",
		good[:43],
		good + "=",
		strings.Replace(good, "+", "-", 1), // URL-safe alphabet
		good[:42] + "==",                   // 31 bytes, padded
		" " + good[1:],
		base64.StdEncoding.EncodeToString(make([]byte, 33)), // 33 bytes
	}
	for _, s := range bad {
		if _, err := domain.ParseTokenDigest(s); err == nil {
			t.Errorf("ParseTokenDigest(%q) succeeded, want an error", s)
		} else if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error %q repeats the token", err)
		}
	}
}

func TestErrorCodeAndMessage(t *testing.T) {
	e := domain.Errorf(domain.ETooLarge, "The request body must be at most %d bytes", 10)
	wrapped := fmt.Errorf("context: %w", e)
	tests := []struct {
		err       error
		code, msg string
	}{
		{nil, "", ""},
		{e, domain.ETooLarge, "The request body must be at most 10 bytes"},
		{wrapped, domain.ETooLarge, "The request body must be at most 10 bytes"},
		{errors.New("secret detail"), domain.EInternal, "Internal error"},
	}
	for _, tt := range tests {
		if got := domain.ErrorCode(tt.err); got != tt.code {
			t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.code)
		}
		if got := domain.ErrorMessage(tt.err); got != tt.msg {
			t.Errorf("ErrorMessage(%v) = %q, want %q", tt.err, got, tt.msg)
		}
	}
	cause := errors.New("cause")
	if err := (&domain.Error{Code: domain.EStorage, Message: "m", Err: cause}); !errors.Is(err, cause) || !strings.Contains(err.Error(), "cause") {
		t.Errorf("Error %v does not wrap or report its cause", err)
	}
}

// FuzzParseTokenDigest: any text. Accepted text is exactly the canonical encoding of the
// digest it yields.
func FuzzParseTokenDigest(f *testing.F) {
	f.Add(domain.TokenDigest("x"))
	f.Add("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
	f.Add("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=")
	f.Add(strings.Repeat("A", 44))
	f.Fuzz(func(t *testing.T, s string) {
		d, err := domain.ParseTokenDigest(s)
		if err != nil {
			return
		}
		if got := base64.StdEncoding.EncodeToString(d[:]); got != s {
			t.Fatalf("ParseTokenDigest accepted %q, whose digest encodes as %q", s, got)
		}
	})
}
