// Package buildtest builds the module's commands for the tests that run them as processes.
package buildtest

import (
	"fmt"
	"os/exec"
	"path"
	"path/filepath"
	"testing"
)

// Module is the import path of the module whose commands Build builds.
const Module = "github.com/s3-dropbox/s3-dropbox"

// Build builds the command pkg (an import path, or a path relative to the test's folder) into
// dir and returns the binary's path; the error holds the compiler's output.
func Build(dir, pkg string) (string, error) {
	bin := filepath.Join(dir, path.Base(pkg))
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
	}
	return bin, nil
}

// Command builds the command pkg into the test's temporary folder and returns its path.
func Command(t testing.TB, pkg string) string {
	t.Helper()
	bin, err := Build(t.TempDir(), pkg)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}
