package fsstore

import (
	"os"

	"golang.org/x/sys/unix"
)

// renameNoReplace renames from to to, atomically, failing with fs.ErrExist if to exists.
func renameNoReplace(from, to string) error {
	if err := unix.RenameatxNp(unix.AT_FDCWD, from, unix.AT_FDCWD, to, unix.RENAME_EXCL); err != nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
	return nil
}

// errNoAttr is getxattr's error for an attribute a file does not have.
const errNoAttr = unix.ENOATTR
