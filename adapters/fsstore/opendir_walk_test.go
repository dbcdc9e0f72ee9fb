//go:build linux || darwin

package fsstore

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestOpenDirWalksEachFolder: openDir opens the folder a path names, the store's own
// included, and refuses a symlink at any depth of the walk, naming the folder where it stands.
func TestOpenDirWalksEachFolder(t *testing.T) {
	s, err := New(filepath.Join(t.TempDir(), "drops"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := os.MkdirAll(filepath.Join(s.dir, "a", "b", "c"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"", "a", "a/b", "a/b/c"} {
		dir := filepath.Join(s.dir, filepath.FromSlash(rel))
		fd, err := s.openDir(dir)
		if err != nil {
			t.Errorf("openDir(%q): %v", rel, err)
			continue
		}
		var got, want unix.Stat_t
		unix.Fstat(fd, &got)
		unix.Close(fd)
		if err := unix.Lstat(dir, &want); err != nil {
			t.Fatal(err)
		}
		if got.Dev != want.Dev || got.Ino != want.Ino {
			t.Errorf("openDir(%q) opened inode %d, want %d", rel, got.Ino, want.Ino)
		}
	}
	outside := t.TempDir()
	if err := os.MkdirAll(filepath.Join(outside, "b", "c"), 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ swap, open string }{
		{"a", "a/b/c"},
		{"a/b", "a/b/c"},
		{"a/b/c", "a/b/c"},
	}
	for _, tt := range tests {
		t.Run(tt.swap, func(t *testing.T) {
			if err := os.RemoveAll(filepath.Join(s.dir, "a")); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(s.dir, "a", "b", "c"), 0o700); err != nil {
				t.Fatal(err)
			}
			swapped := filepath.Join(s.dir, filepath.FromSlash(tt.swap))
			if err := os.RemoveAll(swapped); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(outside, swapped); err != nil {
				t.Fatal(err)
			}
			fd, err := s.openDir(filepath.Join(s.dir, filepath.FromSlash(tt.open)))
			if err == nil {
				unix.Close(fd)
				t.Fatalf("openDir(%s) with a symlink at %s: opened; want a refusal", tt.open, tt.swap)
			}
			if got, want := err.Error(), swapped+" is not a folder"; !strings.HasPrefix(got, want) {
				t.Errorf("openDir(%s): %q, want it to start %q", tt.open, got, want)
			}
		})
	}
}
