//go:build linux || darwin

// Package fsstore is a ports.ObjectStore on a local folder: one file per object, the key as
// its path below the folder (keys.go), the attributes in the file's extended attributes. For
// running the service off AWS and in development. The store's lifecycle is here; the locked,
// swept folder of files being written in tempdir.go; writes in write.go, reads in read.go, and
// what makes them durable (folder syncs shared by group commit) in durability.go and group.go.
package fsstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// TempDir is the hidden folder, below the store's folder, of the files being written. The store
// locks it while it runs; at start it removes the temporary files a crash left in it (see
// sweep).
const TempDir = ".tmp"

// The extended attributes (user namespace) that hold an object's attributes; docs/storage.md
// says how to see them.
const (
	AttrContentType = "user.content_type"
	AttrClient      = "user.client"
	AttrSHA256      = "user.sha256" // standard base64, as S3 gives it
)

// Store keeps objects as files under a folder. Files are 0600 and folders 0700. One process
// at a time uses a folder: New locks it.
type Store struct {
	dir     string
	unnamed bool       // files are staged unnamed (O_TMPFILE), see stage
	mu      sync.Mutex // serializes replacements

	fix      sync.Mutex              // serializes making TempDir again, see remake
	tmp      atomic.Pointer[os.File] // TempDir, opened without following a symlink, flock'ed
	retired  []*os.File              // TempDirs removed under the store; kept open until Close (under fix)
	unsynced []string                // folders made again (the store's and above), not yet synced into their parents (under fix)

	durable sync.Map      // folders known to exist durably, see mkdirs
	remade  atomic.Uint64 // counts the folders found removed under the store (forget, remake)
	groups  sync.Map      // folder → *group: the group commit of its syncs

	hooks *hooks // tests' hooks; nil outside tests
}

var _ ports.ObjectStore = (*Store)(nil)

// New returns a store under dir, creating the folder (0700, synced into its parent) if it does
// not exist. It takes the folder's lock, so that a second process cannot write beside this
// one; removes the temporary files a crash left behind (no write is in flight while nobody
// holds the lock); and checks that the filesystem keeps extended attributes. Close releases
// the lock.
func New(dir string) (*Store, error) { return newStore(dir, nil) }

// newStore is New, with the hooks that tests run inside the store (nil: none).
func newStore(dir string, h *hooks) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("storage folder %s: %w", dir, err)
	}
	if err := makeRoot(abs, h); err != nil {
		return nil, err
	}
	if err := checkOwner(abs); err != nil {
		return nil, err
	}
	if err := checkPath(abs); err != nil {
		return nil, err
	}
	tmp, err := openTemp(abs)
	if err != nil {
		return nil, err
	}
	s := &Store{dir: abs, hooks: h}
	s.tmp.Store(tmp)
	if err := s.start(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// makeRoot creates dir and the folders above it that are missing (0700), and syncs each one
// it made into its parent, so that a crash cannot take the store's folder with what it holds.
// A dir that exists already is synced into its parent too (a run may have made it and died
// before that sync), unless the parent cannot be opened for reading.
func makeRoot(dir string, h *hooks) error {
	made := missing(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create storage folder: %w", err)
	}
	for _, d := range made {
		if err := h.fsyncDir(filepath.Dir(d)); err != nil {
			return fmt.Errorf("create storage folder %s: %w", d, err)
		}
	}
	if len(made) == 0 {
		if err := h.fsyncDir(filepath.Dir(dir)); err != nil && !errors.Is(err, fs.ErrPermission) {
			return fmt.Errorf("storage folder %s: %w", dir, err)
		}
	}
	return nil
}

// missing returns dir and the folders above it that do not exist, dir first.
func missing(dir string) []string {
	var gone []string
	for d := dir; d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			break
		}
		gone = append(gone, d)
	}
	return gone
}

// start sweeps TempDir and checks extended attributes on a file of its own.
func (s *Store) start() error {
	tmp := s.tmp.Load()
	if err := sweep(tmp); err != nil {
		return err
	}
	st, err := s.createTemp()
	if err != nil {
		return fmt.Errorf("storage folder not writable: %w", err)
	}
	defer st.discard()
	if err := unix.Fsetxattr(int(st.f.Fd()), AttrClient, []byte("probe"), 0); err != nil {
		return fmt.Errorf("the storage folder's filesystem must keep extended attributes (user.*), as ext4, xfs, btrfs, tmpfs and APFS do: %w", err)
	}
	s.unnamed = unnamedWorks(tmp)
	return nil
}

// unnamedWorks reports whether files can be made unnamed in dir and linked later.
func unnamedWorks(dir *os.File) bool {
	f, err := openUnnamed(int(dir.Fd()))
	if err != nil {
		return false
	}
	defer f.Close()
	probe := filepath.Join(dir.Name(), tempName())
	if err := linkUnnamed(f, int(dir.Fd()), probe); err != nil {
		return false
	}
	os.Remove(probe)
	return true
}

// Ready reports whether the store can write: its folders are there and writable. A store
// folder or TempDir removed under the store is made again first (see remake).
func (s *Store) Ready(ctx context.Context) error {
	if err := s.remake(); err != nil {
		return err
	}
	for _, dir := range []string{s.dir, filepath.Join(s.dir, TempDir)} {
		if err := unix.Access(dir, unix.W_OK); err != nil {
			return fmt.Errorf("storage folder %s not writable: %w", dir, err)
		}
	}
	return ctx.Err()
}

// Close releases the folder's lock.
func (s *Store) Close() error {
	s.fix.Lock()
	defer s.fix.Unlock()
	for _, f := range s.retired {
		f.Close()
	}
	s.retired = nil
	return s.tmp.Load().Close()
}

// Dir returns the store's folder.
func (s *Store) Dir() string { return s.dir }
