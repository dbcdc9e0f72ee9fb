package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestHelp: -h lists the flags and the exit statuses, and exits 0.
func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-h"}, command{env: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr})
	for _, want := range []string{"-deadline", "-allow-plain-http", "-max-bytes", "Bearer <token>", "Exit status"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("-h does not mention %s", want)
		}
	}
	if code != 0 {
		t.Errorf("-h: exit %d, want 0", code)
	}
}
