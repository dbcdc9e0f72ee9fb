package fsstore

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// errNoAttr is getxattr's error for an attribute a file does not have.
const errNoAttr = unix.ENODATA

// renameNoReplaceAt renames from to the name of to in the folder dirfd, never replacing a file
// that holds that name (fs.ErrExist then).
func renameNoReplaceAt(from string, dirfd int, to string) error {
	if err := unix.Renameat2(unix.AT_FDCWD, from, dirfd, filepath.Base(to), unix.RENAME_NOREPLACE); err != nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
	return nil
}
