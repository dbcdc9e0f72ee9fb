package fsstore

import (
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// openUnnamed opens a new file in the folder dirfd that has no name yet (O_TMPFILE): a crash
// before it is linked leaves nothing behind.
func openUnnamed(dirfd int) (*os.File, error) {
	fd, err := unix.Openat(dirfd, ".", unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, &os.PathError{Op: "open O_TMPFILE", Path: "/proc/self/fd/" + strconv.Itoa(dirfd), Err: err}
	}
	return os.NewFile(uintptr(fd), "unnamed"), nil
}

// linkUnnamed gives f the name path (its last element, in the folder dirfd), atomically,
// failing if path exists.
func linkUnnamed(f *os.File, dirfd int, path string) error {
	err := unix.Linkat(unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(int(f.Fd())), dirfd, filepath.Base(path), unix.AT_SYMLINK_FOLLOW)
	if err != nil {
		return &os.LinkError{Op: "link", Old: f.Name(), New: path, Err: err}
	}
	return nil
}
