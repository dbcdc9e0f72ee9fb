//go:build linux || darwin

package fsstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// settle makes dir's path durable after folders were made again under a write: the store's
// folder in its parent (see syncRoot), and dir's folders in theirs (see mkdirs).
func (s *Store) settle(dir string) error {
	s.fix.Lock()
	err := s.syncRoot()
	s.fix.Unlock()
	if err != nil {
		return err
	}
	return s.mkdirs(dir)
}

// hooks are what tests run inside a store: between two steps of a write (step, with the name of
// the next one), and before each fsync of a file ("file") or a folder ("folder") (fsync, whose
// error stands for the fsync's). A nil *hooks, or a nil field, runs nothing.
type hooks struct {
	step  func(next string)
	fsync func(kind, path string) error
}

// at runs the step hook before the step next.
func (h *hooks) at(next string) {
	if h != nil && h.step != nil {
		h.step(next)
	}
}

// syncFile fsyncs f.
func (h *hooks) syncFile(f *os.File) error {
	if h != nil && h.fsync != nil {
		if err := h.fsync("file", f.Name()); err != nil {
			return err
		}
	}
	return f.Sync()
}

// mkdirs creates dir and any missing folder above it, up to the store's folder, and makes the
// path durable: the parent of each folder is synced once per process (a folder another
// request has just made may not be synced yet), so that the path survives a crash. A symlink
// where a folder should be is refused: the store writes only below its folder.
func (s *Store) mkdirs(dir string) error { return s.makeDirs(dir, true) }

// makeDirs is mkdirs; untrusting, it makes every folder again, whatever it remembers: a write
// that raced a removal may have remembered a folder just removed.
func (s *Store) makeDirs(dir string, trust bool) error {
	if dir == s.dir {
		return nil
	}
	if _, ok := s.durable.Load(dir); ok && trust {
		return nil
	}
	if err := s.makeDirs(filepath.Dir(dir), trust); err != nil {
		return err
	}
	if err := s.mkdirBeneath(dir); err != nil {
		return err
	}
	if err := s.syncDir(filepath.Dir(dir)); err != nil {
		return err
	}
	s.durable.Store(dir, true)
	return nil
}

// mkdirBeneath makes dir (0700) in its parent, opened below the store's folder without
// following a symlink (see openDir); a folder there already is kept, anything else refused.
func (s *Store) mkdirBeneath(dir string) error {
	pfd, err := s.openDir(filepath.Dir(dir))
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	name := filepath.Base(dir)
	if err := unix.Mkdirat(pfd, name, 0o700); errors.Is(err, unix.EEXIST) {
		var st unix.Stat_t
		if err := unix.Fstatat(pfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
			return fmt.Errorf("%s is not a folder (a symlink or a file): the store writes only below its folder", dir)
		}
	} else if err != nil {
		return &os.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	return nil
}

// forget drops what mkdirs knows of dir and the folders above it, after one was removed, and
// counts it: a write that linked into a folder it remembered meanwhile checks the folder again.
func (s *Store) forget(dir string) {
	s.remade.Add(1)
	for d := dir; d != s.dir && len(d) > len(s.dir); d = filepath.Dir(d) {
		s.durable.Delete(d)
	}
}

// syncDir makes the changes made so far to dir's entries durable, sharing the fsync with the
// writers that ask at the same time (group commit).
func (s *Store) syncDir(dir string) error {
	g, ok := s.groups.Load(dir)
	if !ok {
		g, _ = s.groups.LoadOrStore(dir, newGroup())
	}
	return g.(*group).sync(func() error { return s.hooks.fsyncDir(dir) })
}

// fsyncDir fsyncs a folder, opened by its path with a bare descriptor (no poller, no
// finalizer: one open, one fsync, one close).
func (h *hooks) fsyncDir(dir string) error {
	if h != nil && h.fsync != nil {
		if err := h.fsync("folder", dir); err != nil {
			return fmt.Errorf("sync folder: %w", err)
		}
	}
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("sync folder: %w", &os.PathError{Op: "open", Path: dir, Err: err})
	}
	defer unix.Close(fd)
	err = unix.Fsync(fd)
	for err == unix.EINTR { // as os.File.Sync does
		err = unix.Fsync(fd)
	}
	if err != nil {
		return fmt.Errorf("sync folder: %w", &os.PathError{Op: "sync", Path: dir, Err: err})
	}
	return nil
}
