//go:build linux || darwin

package fsstore

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// tempPrefix begins the name of every temporary file the store makes in TempDir; hex digits
// follow (tempName). The sweep removes only files named so.
const tempPrefix = "put-"

// tempName returns a new name for a temporary file: tempPrefix and 16 random hex digits.
func tempName() string {
	var b [8]byte
	rand.Read(b[:])
	return tempPrefix + hex.EncodeToString(b[:])
}

// isTempName reports whether name is one that tempName makes, or one that earlier versions
// of the store made (os.CreateTemp's: the prefix and decimal digits).
func isTempName(name string) bool {
	digits, ok := strings.CutPrefix(name, tempPrefix)
	if !ok || digits == "" || len(digits) > 16 {
		return false
	}
	for _, c := range digits {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// openTemp makes TempDir below dir if it is missing, opens it without following a symlink
// (the store's temporary files are made and removed through this handle, never through the
// path) and locks it, so that one process at a time uses the folder.
func openTemp(dir string) (*os.File, error) {
	path := filepath.Join(dir, TempDir)
	if err := os.Mkdir(path, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("create storage folder: %w", err)
	}
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
		return nil, fmt.Errorf("%s is not a folder (a symlink or a file): the store keeps its temporary files there; remove it", path)
	}
	if err != nil {
		return nil, fmt.Errorf("storage folder: %w", &os.PathError{Op: "open", Path: path, Err: err})
	}
	tmp := os.NewFile(uintptr(fd), path)
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		tmp.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("storage folder %s is in use by another process: run one server per folder", dir)
		}
		return nil, fmt.Errorf("lock storage folder: %w", err)
	}
	return tmp, nil
}

// sweep removes from tmp the temporary files that a crash left behind: regular files named
// by tempName, and nothing else. It never follows a symlink and never enters a folder; what
// the store did not make stays.
func sweep(tmp *os.File) error {
	entries, err := tmp.ReadDir(-1)
	if err != nil {
		return fmt.Errorf("read %s: %w", tmp.Name(), err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !isTempName(e.Name()) {
			continue
		}
		if err := unix.Unlinkat(int(tmp.Fd()), e.Name(), 0); err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("remove a leftover temporary file: %w", err)
		}
	}
	return nil
}

// createTemp makes a new named file in TempDir, through the handle that New opened: a symlink
// planted at TempDir's path is never followed.
func (s *Store) createTemp() (*staged, error) {
	tmp := s.tmp.Load()
	for {
		name := tempName()
		fd, err := unix.Openat(int(tmp.Fd()), name, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if errors.Is(err, unix.EEXIST) {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "create", Path: filepath.Join(tmp.Name(), name), Err: err}
		}
		return &staged{f: os.NewFile(uintptr(fd), filepath.Join(tmp.Name(), name)), tmp: tmp, name: name, dir: -1}, nil
	}
}

// holds checks that the store still holds its folder: the TempDir it locked has not been
// removed (a removed folder has no links), or has been made again (remake). One system call,
// no allocation, while it holds it; Ready checks the path too (see remake).
func (s *Store) holds() error {
	var st unix.Stat_t
	if unix.Fstat(int(s.tmp.Load().Fd()), &st) == nil && st.Nlink > 0 {
		return nil
	}
	return s.remake()
}

// holdsTemp reports whether tmp is the folder at TempDir's path.
func (s *Store) holdsTemp(tmp *os.File) bool {
	var held, there unix.Stat_t
	return unix.Fstat(int(tmp.Fd()), &held) == nil && unix.Lstat(tmp.Name(), &there) == nil &&
		held.Dev == there.Dev && held.Ino == there.Ino
}

// remake makes the store's folder and TempDir again, with TempDir locked anew, if they were
// removed (or replaced) under the running store; it does nothing while TempDir's path is the
// folder the store holds. The handle of a removed TempDir stays open until Close: a write may
// still be using it. If another process took the folder meanwhile, or a symlink stands at
// TempDir's path, it fails and the store stays unready.
func (s *Store) remake() error {
	s.fix.Lock()
	defer s.fix.Unlock()
	cur := s.tmp.Load()
	if s.holdsTemp(cur) {
		return nil
	}
	s.remade.Add(1)
	made := missing(s.dir)
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("make the storage folder again: %w", err)
	}
	for _, d := range made {
		if !slices.Contains(s.unsynced, d) {
			s.unsynced = append(s.unsynced, d)
		}
	}
	tmp, err := openTemp(s.dir)
	if err != nil {
		return err
	}
	if err := s.syncDir(s.dir); err != nil { // TempDir may be new: sync it into the store's folder
		tmp.Close()
		return err
	}
	if err := s.syncRoot(); err != nil {
		tmp.Close()
		return err
	}
	s.retired = append(s.retired, cur)
	s.tmp.Store(tmp)
	return nil
}

// syncRoot syncs each folder remake made (the store's folder, and those above it that were
// removed too) into its parent, until every one of those syncs has succeeded (a failed one is
// tried again here, by the next remake or write). The caller holds fix.
func (s *Store) syncRoot() error {
	for len(s.unsynced) > 0 {
		if err := s.syncDir(filepath.Dir(s.unsynced[0])); err != nil {
			return err
		}
		s.unsynced = s.unsynced[1:]
	}
	return nil
}
