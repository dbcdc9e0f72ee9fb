package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestHelp: -h lists what the function reads, readably (no tab, nothing cut off), and exits
// 0; an argument is a usage error.
func TestHelp(t *testing.T) {
	var stderr bytes.Buffer
	if code := parse([]string{"-h"}, &stderr); code != 0 {
		t.Errorf("-h: exit %d, want 0", code)
	}
	out := stderr.String()
	for _, want := range []string{"BUCKET", "AUTH_TOKEN", "CDN_TOKEN_HTTP_HEADER_NAME", "MAX_BODY_BYTES (default 10240)", "required"} {
		if !strings.Contains(out, want) {
			t.Errorf("-h does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\t") || strings.Contains(out, "list of \n") {
		t.Errorf("-h has tabs or a cut-off type:\n%s", out)
	}
	for line := range strings.Lines(out) {
		if len(line) > 81 {
			t.Errorf("-h line longer than 80 characters: %q", line)
		}
	}
	if code := parse([]string{"serve"}, &stderr); code != 2 {
		t.Errorf("an argument: exit %d, want 2", code)
	}
}
