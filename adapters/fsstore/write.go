//go:build linux || darwin

package fsstore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// Create writes obj so that no reader sees part of it and no object is replaced: a synced new
// file (stage) is linked under the key, failing if it is taken, then the folder is synced
// (one fsync for the folder's writers of the moment). A failed folder sync leaves the name:
// ErrUnknown. A key found taken is ErrExists once its name is durable (found). A folder of
// the key's path removed under the store is made again, and the write tried once more.
// docs/promises.md, "What the filesystem store proves", says what a crash leaves.
func (s *Store) Create(ctx context.Context, obj ports.Object) error {
	path, err := s.prepare(obj)
	if err != nil {
		return err
	}
	if err := s.holds(); err != nil {
		return err
	}
	err = s.create(ctx, obj, path, true)
	if errors.Is(err, errGone) {
		s.forget(filepath.Dir(path))
		if rerr := s.remake(); rerr != nil {
			return fmt.Errorf("%w (and %w)", err, rerr)
		}
		// Untrusting: a write that met the folder before its removal may remember it again.
		err = s.create(ctx, obj, path, false)
	}
	return err
}

// errGone marks a write that stored nothing because a folder it needed was missing: removed
// under the store.
var errGone = errors.New("a folder of the store was removed")

// create is one try of Create; trust says whether the folders remembered as made are
// trusted to be there (see makeDirs).
func (s *Store) create(ctx context.Context, obj ports.Object, path string, trust bool) error {
	dir := filepath.Dir(path)
	remade := s.remade.Load()
	if err := s.makeDirs(dir, trust); err != nil {
		return fmt.Errorf("create folder for %s: %w", obj.Key, gone(err))
	}
	st, err := s.stage(dir, obj)
	if err != nil {
		return fmt.Errorf("write %s: %w", obj.Key, gone(err))
	}
	defer st.discard()
	if err := ctx.Err(); err != nil {
		return err
	}
	s.hooks.at("link")
	if err := st.link(path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			err := s.found(obj.Key, st.dir, path)
			if errors.Is(err, ports.ErrExists) && s.remade.Load() != remade {
				if serr := s.settle(dir); serr != nil { // see below
					return fmt.Errorf("%s: an object holds the key, but its folder may not be durable: %w", obj.Key, serr)
				}
			}
			return err
		}
		return fmt.Errorf("publish %s: %w", obj.Key, gone(err))
	}
	s.hooks.at("sync folder")
	if err := s.syncDir(dir); err != nil {
		// The name is published, and may not survive a crash. It stays: a retry with the same
		// Idempotency-Key may have found it already (and made it durable, and answered 202),
		// so taking it back could make that answer untrue. The outcome is unknown.
		return fmt.Errorf("%s: %w: %w", obj.Key, ports.ErrUnknown, err)
	}
	if s.remade.Load() != remade {
		// A folder was removed meanwhile: dir, which mkdirs remembered as durable, or the
		// store's folder, may be one that another write has just made again and whose name
		// is not durable yet.
		if err := s.settle(dir); err != nil {
			return fmt.Errorf("%s: %w: %w", obj.Key, ports.ErrUnknown, err)
		}
	}
	s.hooks.at("remove temporary file")
	return nil
}

// gone marks err with errGone when it says that a file or folder was missing.
func gone(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %w", errGone, err)
	}
	return err
}

// found is the answer to a link that found path taken: ErrExists once the name is durable (the
// folder synced, shared with the writers of the moment: it may be another write's link, not
// yet synced), so that nobody answers "stored" for a name a crash can still take. If the sync
// fails, or path is not a file the store could have made (a folder, a symlink), a definite
// error: this call stored nothing.
func (s *Store) found(key string, dirfd int, path string) error {
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, filepath.Base(path), &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return fmt.Errorf("%s: the key is taken by something that is not an object (a folder or a symlink)", key)
	}
	if err := s.syncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("%s: an object holds the key, but its name may not be durable: %w", key, err)
	}
	return fmt.Errorf("%s: %w", key, ports.ErrExists)
}

// Replace writes obj over the object at its key if that object's ETag is etag: a synced
// temporary file (with the attributes) is renamed over the old one, atomically, under the
// store's lock, so that of two replacements of one version only one wins.
func (s *Store) Replace(ctx context.Context, obj ports.Object, etag string) error {
	path, err := s.prepare(obj)
	if err != nil {
		return err
	}
	if err := s.holds(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, err := s.readFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: %w", obj.Key, ports.ErrNotFound)
	case err != nil:
		return fmt.Errorf("read %s: %w", obj.Key, err)
	case etagOf(old) != etag:
		return fmt.Errorf("%s: %w", obj.Key, ports.ErrVersion)
	}
	st, err := s.stage("", obj)
	if err != nil {
		return fmt.Errorf("write %s: %w", obj.Key, err)
	}
	defer st.discard()
	if err := ctx.Err(); err != nil {
		return err
	}
	dfd, err := s.openDir(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("publish %s: %w", obj.Key, err)
	}
	defer unix.Close(dfd)
	if err := unix.Renameat(int(st.tmp.Fd()), st.name, dfd, filepath.Base(path)); err != nil {
		return fmt.Errorf("publish %s: %w", obj.Key, &os.LinkError{Op: "rename", Old: st.name, New: path, Err: err})
	}
	st.name = "" // renamed: nothing left to remove
	if err := s.syncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("%s: %w: %w", obj.Key, ports.ErrUnknown, err)
	}
	return nil
}

// prepare checks obj and returns its path.
func (s *Store) prepare(obj ports.Object) (string, error) {
	path, err := s.path(obj.Key)
	if err != nil {
		return "", err
	}
	if obj.SHA256 != ([sha256.Size]byte{}) && sha256.Sum256(obj.Data) != obj.SHA256 {
		return "", fmt.Errorf("%s: %w", obj.Key, ports.ErrChecksum)
	}
	return path, nil
}

// staged is an object's file: written, with its attributes, synced, and not yet under its
// key. Its name is a temporary one in TempDir, or none at all (Linux's O_TMPFILE).
type staged struct {
	f    *os.File // open until discard; nil once closed
	tmp  *os.File // the TempDir that holds name
	name string   // the temporary name in tmp, "" for an unnamed file
	dir  int      // the descriptor of the folder it is to be linked into (see openDir); -1: none
}

// stage writes obj to a new file: in dir and unnamed where the system allows it (nothing to
// sweep after a crash, and fewer folder changes), else named in TempDir. dir "" asks for a
// named file (a rename needs a name).
func (s *Store) stage(dir string, obj ports.Object) (*staged, error) {
	s.hooks.at("create temporary file")
	dirfd := -1
	if dir != "" {
		var err error
		if dirfd, err = s.openDir(dir); err != nil {
			return nil, err
		}
	}
	st, err := s.open(dirfd)
	if err != nil {
		if dirfd >= 0 {
			unix.Close(dirfd)
		}
		return nil, err
	}
	st.dir = dirfd
	if err := st.fill(obj, s.hooks); err != nil {
		st.discard()
		return nil, err
	}
	return st, nil
}

// open makes the new file that stage fills: unnamed in the folder dirfd, if it is one (not
// -1) and the system allows it.
func (s *Store) open(dirfd int) (*staged, error) {
	if s.unnamed && dirfd >= 0 {
		f, err := openUnnamed(dirfd)
		if err != nil {
			return nil, err
		}
		return &staged{f: f, dir: -1}, nil
	}
	st, err := s.createTemp()
	if errors.Is(err, fs.ErrNotExist) { // TempDir removed under the store
		if err := s.remake(); err != nil {
			return nil, err
		}
		st, err = s.createTemp()
	}
	return st, err
}

// fill writes the data and the attributes, and syncs them.
func (st *staged) fill(obj ports.Object, h *hooks) error {
	h.at("write")
	if _, err := st.f.Write(obj.Data); err != nil {
		return err
	}
	h.at("set attributes")
	if err := setAttrs(st.f, obj); err != nil {
		return err
	}
	h.at("sync file")
	return h.syncFile(st.f)
}

// link gives the file the name path (in its folder, opened by stage), atomically, failing if
// path exists.
func (st *staged) link(path string) error {
	if st.name == "" {
		return linkUnnamed(st.f, st.dir, path)
	}
	if err := unix.Linkat(int(st.tmp.Fd()), st.name, st.dir, filepath.Base(path), 0); err != nil {
		return &os.LinkError{Op: "link", Old: st.name, New: path, Err: err}
	}
	return nil
}

// discard closes the file and removes its temporary name; what was linked stays.
func (st *staged) discard() {
	if st.f != nil {
		st.f.Close()
		st.f = nil
	}
	if st.name != "" {
		unix.Unlinkat(int(st.tmp.Fd()), st.name, 0)
		st.name = ""
	}
	if st.dir >= 0 {
		unix.Close(st.dir)
		st.dir = -1
	}
}

func setAttrs(f *os.File, obj ports.Object) error {
	attrs := [...]struct{ name, value string }{
		{AttrContentType, obj.ContentType},
		{AttrClient, obj.Client},
		{AttrSHA256, ""},
	}
	if obj.SHA256 != ([sha256.Size]byte{}) {
		attrs[2].value = base64.StdEncoding.EncodeToString(obj.SHA256[:])
	}
	for _, a := range attrs {
		if a.value == "" {
			continue
		}
		if err := unix.Fsetxattr(int(f.Fd()), a.name, []byte(a.value), 0); err != nil {
			return fmt.Errorf("set %s: %w", a.name, err)
		}
	}
	return nil
}

// etagOf is a version of an object's bytes: their SHA-256, as S3's is (for simple uploads)
// their MD5.
func etagOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
