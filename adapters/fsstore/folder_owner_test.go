//go:build linux || darwin

package fsstore_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/fsstore"
)

// TestFolderMustBeTheServices: New refuses a storage folder that a user other than the
// service's own and root could write (a drop could be renamed or replaced after its 202):
// world-writable, owned by another user, group-writable by a group the service is not in. A
// folder of root's, group-writable by the service's group and setgid (a Kubernetes volume with
// fsGroup), and the service's own 0700 or 0750 folder, are accepted.
func TestFolderMustBeTheServices(t *testing.T) {
	const other = 54321 // a user and a group nobody here is in
	root := os.Getuid() == 0
	tests := []struct {
		name     string
		mode     os.FileMode
		uid, gid int // -1: as made
		refused  string
		needRoot bool
	}{
		{"own, 0700", 0o700, -1, -1, "", false},
		{"own, 0750", 0o750, -1, -1, "", false},
		{"own, group-writable by its own group", 0o770, -1, os.Getegid(), "", false},
		{"world-writable", 0o777, -1, -1, "any user can write it", false},
		{"world-writable, sticky", 0o1777, -1, -1, "any user can write it", false},
		{"another user's", 0o700, other, -1, "owned by another user", true},
		{"group-writable by another group", 0o770, -1, other, "which the service is not in", true},
		{"root's, fsGroup (setgid, the service's group)", 0o2770, 0, os.Getegid(), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.needRoot && !root {
				t.Skip("skipped: changing a folder's owner needs root")
			}
			dir := filepath.Join(t.TempDir(), "drops")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(dir, tt.uid, tt.gid); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, tt.mode); err != nil {
				t.Fatal(err)
			}
			err := newErr(dir)
			switch {
			case tt.refused == "" && err != nil:
				t.Errorf("New: %v; want the folder accepted", err)
			case tt.refused != "" && (err == nil || !strings.Contains(err.Error(), tt.refused)):
				t.Errorf("New: %v; want a refusal saying %q", err, tt.refused)
			}
		})
	}
}

// newErr opens a store in dir, closes it, and returns New's error.
func newErr(dir string) error {
	s, err := fsstore.New(dir)
	if err == nil {
		s.Close()
	}
	return err
}
