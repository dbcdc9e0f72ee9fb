//go:build linux || darwin

package fsstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// openDir opens dir, the store's folder or a folder below it, by a walk from the store's
// folder that follows no symlink: one folder at a time, each opened O_NOFOLLOW below the one
// before (keys have no "." or ".." segment), so that a symlink swapped in for a key's folder is
// refused, never followed out of the store. The caller closes the descriptor.
func (s *Store) openDir(dir string) (int, error) {
	fd, err := unix.Open(s.dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: s.dir, Err: err}
	}
	if dir == s.dir { // a key without folders: nothing to walk, nothing to allocate
		return fd, nil
	}
	rel, err := filepath.Rel(s.dir, dir)
	if err != nil || rel == "." {
		if err != nil {
			unix.Close(fd)
			return -1, err
		}
		return fd, nil
	}
	rel = filepath.ToSlash(rel)
	for end := 0; end < len(rel); {
		start := end
		if i := strings.IndexByte(rel[start:], '/'); i >= 0 {
			end = start + i
		} else {
			end = len(rel)
		}
		seg := rel[start:end]
		next, err := unix.Openat(fd, seg, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		unix.Close(fd)
		at := filepath.Join(s.dir, filepath.FromSlash(rel[:end]))
		if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
			return -1, fmt.Errorf("%s is not a folder (a symlink or a file): the store writes only below its folder", at)
		}
		if err != nil {
			return -1, &os.PathError{Op: "open", Path: at, Err: err}
		}
		fd = next
		end++ // past the slash
	}
	return fd, nil
}

// openFileBeneath opens the regular file at path, below the store's folder, for reading,
// following no symlink on the way (see openDir).
func (s *Store) openFileBeneath(path string) (*os.File, error) {
	dfd, err := s.openDir(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	defer unix.Close(dfd)
	return openFileAt(dfd, path)
}

// checkOwner refuses a storage folder that a user other than the service's own and root could
// write: world-writable, owned by another user but root, or group-writable by a group the
// service is not in. A folder of root's, group-writable by the service's group and setgid (a
// Kubernetes volume with fsGroup) is the service's.
func checkOwner(dir string) error {
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return fmt.Errorf("storage folder %s: %w", dir, err)
	}
	uid := uint32(os.Getuid())
	switch {
	case st.Mode&0o002 != 0:
		return fmt.Errorf("storage folder %s: any user can write it (mode %o): make it the service's own (chmod o-w), so that nobody else can rename or replace a drop", dir, st.Mode&0o7777)
	case st.Uid != uid && st.Uid != 0:
		return fmt.Errorf("storage folder %s: owned by another user (uid %d; the service runs as uid %d): make it the service's (chown), so that nobody else can rename or replace a drop", dir, st.Uid, uid)
	case st.Mode&0o020 != 0 && !inGroup(st.Gid):
		return fmt.Errorf("storage folder %s: group %d, which the service is not in, can write it (mode %o): chmod g-w, or make it the service's group", dir, st.Gid, st.Mode&0o7777)
	}
	return nil
}

// checkPath refuses a storage folder that a user other than the service's own and root could
// move away or replace, through a folder above it (or above where its symlinks lead): one
// owned by another user but root, or that others can write (world-writable, or group-writable
// by a group the service is not in) without the sticky bit that keeps them from renaming what
// is not theirs. The store opens its folder by its path (it makes it again if it is removed),
// so such a user could swap in a folder or a symlink of theirs and receive the drops.
func checkPath(dir string) error {
	dirs := ancestors(dir)
	if real, err := filepath.EvalSymlinks(dir); err == nil && real != dir {
		dirs = append(dirs, ancestors(real)...)
	}
	uid := uint32(os.Getuid())
	for _, d := range dirs {
		var st unix.Stat_t
		if err := unix.Stat(d, &st); err != nil {
			return fmt.Errorf("storage folder %s: %w", dir, err)
		}
		others := st.Mode&0o002 != 0 || st.Mode&0o020 != 0 && !inGroup(st.Gid)
		switch {
		case st.Uid != uid && st.Uid != 0:
			return fmt.Errorf("storage folder %s: the folder above it %s is owned by another user (uid %d; the service runs as uid %d), who could move the storage folder away and put another in its place: put the storage folder in a folder of the service's or root's", dir, d, st.Uid, uid)
		case others && st.Mode&unix.S_ISVTX == 0:
			return fmt.Errorf("storage folder %s: the folder above it %s can be written by other users (mode %o), who could move the storage folder away and put another in its place: chmod o-w,g-w (or +t) %s, or put the storage folder elsewhere", dir, d, st.Mode&0o7777, d)
		}
	}
	return nil
}

// ancestors returns the folders above dir, an absolute path, nearest first.
func ancestors(dir string) []string {
	var up []string
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		up = append(up, d)
		if d == filepath.Dir(d) {
			return up
		}
	}
}

// inGroup reports whether the process is in group gid (its own or a supplementary one).
func inGroup(gid uint32) bool {
	if uint32(os.Getegid()) == gid {
		return true
	}
	groups, err := os.Getgroups()
	return err == nil && slices.Contains(groups, int(gid))
}
