package main

import (
	"bytes"
	"regexp"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/domain"
)

// output is the original create_token.py's format, exactly.
var output = regexp.MustCompile(`^Client token \(plain text\):          ([A-Za-z0-9_-]{86})\nServer token \(hashed client token\): ([A-Za-z0-9+/]{43}=)\n$`)

func TestOutput(t *testing.T) {
	var first string
	for i := range 2 {
		var buf bytes.Buffer
		if err := run(&buf); err != nil {
			t.Fatal(err)
		}
		m := output.FindStringSubmatch(buf.String())
		if m == nil {
			t.Fatalf("output %q does not have the original's format", buf.String())
		}
		if got := domain.TokenDigest(m[1]); got != m[2] {
			t.Errorf("token digest %s is not the hash of the client token (want %s)", m[2], got)
		}
		if i == 1 && m[1] == first {
			t.Error("two runs printed the same client token")
		}
		first = m[1]
	}
}
