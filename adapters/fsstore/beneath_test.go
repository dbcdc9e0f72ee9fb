//go:build linux || darwin

package fsstore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// TestSymlinkSwappedForKeyFolder: a key's folder that the store made and knows, replaced under
// it by a symlink to a folder outside, is refused, not followed: a write into it fails and
// puts nothing outside, a read of a key in it finds nothing (the file outside is not read),
// and a replacement fails too.
func TestSymlinkSwappedForKeyFolder(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for _, key := range []string{"dt=1/first", "a/b/first"} {
		if err := s.Create(ctx, ports.Object{Key: key, Data: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "planted"), []byte("planted"), 0o600)
	for _, folder := range []string{"dt=1", "a"} {
		if err := os.RemoveAll(filepath.Join(s.Dir(), folder)); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(outside, filepath.Join(s.Dir(), folder)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct{ name, key string }{
		{"the swapped folder", "dt=1/second"},
		{"below the swapped folder", "a/b/second"},
	}
	for _, tt := range tests {
		if err := s.Create(ctx, ports.Object{Key: tt.key, Data: []byte("y")}); err == nil {
			t.Errorf("Create(%s) in %s: stored; want a refusal", tt.key, tt.name)
		}
	}
	if o, err := s.Get(ctx, "dt=1/planted"); err == nil {
		t.Errorf("Get(dt=1/planted): %q; want the symlink refused", o.Data)
	}
	if err := s.Replace(ctx, ports.Object{Key: "dt=1/planted", Data: []byte("z")}, ""); err == nil {
		t.Error("Replace(dt=1/planted): nil; want the symlink refused")
	}
	entries, _ := os.ReadDir(outside)
	if len(entries) != 1 {
		t.Errorf("outside the store: %d entries, want the planted file alone", len(entries))
	}
	if b, _ := os.ReadFile(filepath.Join(outside, "planted")); string(b) != "planted" {
		t.Errorf("the planted file reads %q, want it untouched", b)
	}
}
