package naivewrite_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/internal/naivewrite"
)

// TestWrite: the data lands under its name, and no temporary file is left, written or failed.
func TestWrite(t *testing.T) {
	dir := t.TempDir()
	if err := naivewrite.Write(dir, "a", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "a")); err != nil || string(got) != "hello" {
		t.Errorf("got %q, %v; want hello", got, err)
	}
	if err := naivewrite.Write(dir, "missing/b", []byte("x")); err == nil {
		t.Error("a name in a missing folder: want an error")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want 1 (no temporary file left)", len(entries))
	}
}
