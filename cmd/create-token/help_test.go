package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestHelp: -h says what the command prints and exits 0; an argument is a usage error.
func TestHelp(t *testing.T) {
	var stderr bytes.Buffer
	if code := parse([]string{"-h"}, &stderr); code != 0 || !strings.Contains(stderr.String(), "Server token (hashed client token)") {
		t.Errorf("-h: exit %d, %q; want 0 and the output explained", code, stderr.String())
	}
	for _, args := range [][]string{{"x"}, {"-nope"}} {
		if code := parse(args, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	if code := parse(nil, &stderr); code != -1 {
		t.Errorf("no argument: %d, want -1 (go on)", code)
	}
}
