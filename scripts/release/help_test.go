package main

import (
	"errors"
	"flag"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/internal/buildtest"
)

// TestHelp: -h is not an error (run returns flag.ErrHelp, which main exits 0 on), and the
// built command exits 0 on it; an unknown flag is a usage error.
func TestHelp(t *testing.T) {
	if err := run([]string{"-h"}, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v, want flag.ErrHelp", err)
	}
	if err := run([]string{"-nope"}, io.Discard); !errors.As(err, new(usageError)) {
		t.Errorf("-nope: %v, want a usage error", err)
	}
	bin := buildtest.Command(t, buildtest.Module+"/scripts/release")
	out, err := exec.Command(bin, "-h").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Usage: go run ./scripts/release") {
		t.Errorf("release -h: %v\n%s\nwant exit 0 and the usage", err, out)
	}
	if err := exec.Command(bin, "-nope").Run(); err == nil || err.(*exec.ExitError).ExitCode() != 2 {
		t.Errorf("release -nope: %v, want exit 2", err)
	}
}
