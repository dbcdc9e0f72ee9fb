//go:build linux || darwin

package fsstore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// Get returns the object under key with its attributes and ETag. What it returns is durable:
// after the read, the folder is synced (shared with its writers), since the object may be a
// replacement not yet synced; if that fails, it is an error. A symlink is not followed.
func (s *Store) Get(ctx context.Context, key string) (ports.Object, error) {
	if err := ctx.Err(); err != nil {
		return ports.Object{}, err
	}
	path, err := s.path(key)
	if err != nil {
		return ports.Object{}, err
	}
	f, err := s.openFileBeneath(path)
	if errors.Is(err, fs.ErrNotExist) {
		return ports.Object{}, fmt.Errorf("%s: %w", key, ports.ErrNotFound)
	}
	if err != nil {
		return ports.Object{}, err
	}
	defer f.Close()
	b, err := read(f)
	if err != nil {
		return ports.Object{}, fmt.Errorf("read %s: %w", key, err)
	}
	o := ports.Object{Key: key, Data: b, ETag: etagOf(b)}
	o.ContentType = getAttr(f, AttrContentType)
	o.Client = getAttr(f, AttrClient)
	if sum, err := base64.StdEncoding.DecodeString(getAttr(f, AttrSHA256)); err == nil && len(sum) == sha256.Size {
		copy(o.SHA256[:], sum)
	}
	if err := s.syncDir(filepath.Dir(path)); err != nil {
		return ports.Object{}, fmt.Errorf("%s: %w", key, err)
	}
	return o, nil
}

// openFileAt opens the regular file at path, in the folder dirfd, for reading, without
// following a symlink there.
func openFileAt(dirfd int, path string) (*os.File, error) {
	fd, err := unix.Openat(dirfd, filepath.Base(path), unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		f.Close()
		return nil, fmt.Errorf("%s is not a file the store made", path)
	}
	return f, nil
}

// read returns the whole content of f.
func read(f *os.File) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	b := make([]byte, st.Size())
	if _, err := f.ReadAt(b, 0); err != nil && st.Size() > 0 {
		return nil, err
	}
	return b, nil
}

// readFile returns the content of the regular file at path, below the store's folder (see
// openFileBeneath).
func (s *Store) readFile(path string) ([]byte, error) {
	f, err := s.openFileBeneath(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return read(f)
}

// getAttr returns an extended attribute of f, "" if it has none.
func getAttr(f *os.File, name string) string {
	var buf [256]byte
	n, err := unix.Fgetxattr(int(f.Fd()), name, buf[:])
	if err != nil {
		return ""
	}
	return string(buf[:n])
}
