//go:build linux || darwin

package fsstore_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFolderAboveMustBeTheServices: New refuses a storage folder below a folder that another
// user could write without the sticky bit, or that another user owns, directly or where a
// symlink on its path leads: that user could move the storage folder away and put a folder or
// a symlink of theirs in its place, and the store, which opens its folder by its path, would
// write the drops there. Below a sticky folder (such as /tmp) it is accepted.
func TestFolderAboveMustBeTheServices(t *testing.T) {
	const other = 54321 // a user nobody here is
	root := os.Getuid() == 0
	tests := []struct {
		name     string
		mode     os.FileMode // of the folder above the storage folder
		uid      int         // its owner; -1: as made
		link     bool        // STORAGE_DIR is a symlink, from a folder of the service's, to the storage folder
		refused  string
		needRoot bool
	}{
		{"own, 0755", 0o755, -1, false, "", false},
		{"own, sticky and world-writable", os.ModeSticky | 0o777, -1, false, "", false},
		{"world-writable", 0o777, -1, false, "can be written by other users", false},
		{"world-writable, through a symlink", 0o777, -1, true, "can be written by other users", false},
		{"another user's", 0o755, other, false, "owned by another user", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.needRoot && !root {
				t.Skip("skipped: changing a folder's owner needs root")
			}
			base := t.TempDir()
			above := filepath.Join(base, "above")
			if err := os.Mkdir(above, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(above, tt.uid, -1); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(above, tt.mode); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(above, "drops")
			if tt.link {
				if err := os.Mkdir(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				dir = filepath.Join(base, "link")
				if err := os.Symlink(filepath.Join(above, "drops"), dir); err != nil {
					t.Fatal(err)
				}
			}
			err := newErr(dir)
			switch {
			case tt.refused == "" && err != nil:
				t.Errorf("New: %v; want the folder accepted", err)
			case tt.refused != "" && (err == nil || !strings.Contains(err.Error(), tt.refused) || !strings.Contains(err.Error(), above)):
				t.Errorf("New: %v; want a refusal naming %s and saying %q", err, above, tt.refused)
			}
		})
	}
}
