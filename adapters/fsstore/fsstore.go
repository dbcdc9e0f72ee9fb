//go:build linux || darwin

// Package fsstore is a ports.ObjectStore on a local folder: one file per object, the key as
// its path below the folder, the attributes in the file's extended attributes. For running
// the service off AWS and in development.
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
	"sort"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// TempDir is the hidden folder, below the store's folder, of the files being written. The store
// locks it while it runs; at start it removes whatever a crash left in it.
const TempDir = ".tmp"

// The extended attributes (user namespace) that hold an object's attributes; getfattr -d
// shows them.
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
	lock    *os.File   // TempDir, flock'ed while the store is open
	mu      sync.Mutex // serializes replacements

	durable sync.Map // folders known to exist durably, see mkdirs
	groups  sync.Map // folder → *group: the group commit of its syncs
}

var _ ports.ObjectStore = (*Store)(nil)

// New returns a store under dir, creating the folder (0700) if it does not exist. It takes
// the folder's lock, so that a second process cannot write beside this one; removes the
// temporary files a crash left behind (no write is in flight while nobody holds the lock);
// and checks that the filesystem keeps extended attributes. Close releases the lock.
func New(dir string) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("storage folder %s: %w", dir, err)
	}
	tmp := filepath.Join(abs, TempDir)
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, fmt.Errorf("create storage folder: %w", err)
	}
	lock, err := os.Open(tmp)
	if err != nil {
		return nil, fmt.Errorf("storage folder: %w", err)
	}
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		lock.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("storage folder %s is in use by another process: run one server per folder", abs)
		}
		return nil, fmt.Errorf("lock storage folder: %w", err)
	}
	s := &Store{dir: abs, lock: lock}
	if err := s.start(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// start sweeps TempDir and checks extended attributes on a file of its own.
func (s *Store) start() error {
	tmp := filepath.Join(s.dir, TempDir)
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return fmt.Errorf("read %s: %w", tmp, err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(tmp, e.Name())); err != nil {
			return fmt.Errorf("remove a leftover temporary file: %w", err)
		}
	}
	f, err := os.CreateTemp(tmp, "probe-*")
	if err != nil {
		return fmt.Errorf("storage folder not writable: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := unix.Fsetxattr(int(f.Fd()), AttrClient, []byte("probe"), 0); err != nil {
		return fmt.Errorf("the storage folder's filesystem must keep extended attributes (user.*), as ext4, xfs, btrfs, tmpfs and APFS do: %w", err)
	}
	s.unnamed = unnamedWorks(tmp)
	return nil
}

// unnamedWorks reports whether files can be made unnamed in dir and linked later.
func unnamedWorks(dir string) bool {
	f, err := openUnnamed(dir)
	if err != nil {
		return false
	}
	defer f.Close()
	probe := filepath.Join(dir, "probe-unnamed")
	os.Remove(probe)
	if err := linkUnnamed(f, probe); err != nil {
		return false
	}
	os.Remove(probe)
	return true
}

// Ready reports whether the store can write: its folders are there and writable.
func (s *Store) Ready(ctx context.Context) error {
	for _, dir := range []string{s.dir, filepath.Join(s.dir, TempDir)} {
		if err := unix.Access(dir, unix.W_OK); err != nil {
			return fmt.Errorf("storage folder %s not writable: %w", dir, err)
		}
	}
	return ctx.Err()
}

// Close releases the folder's lock.
func (s *Store) Close() error { return s.lock.Close() }

// Dir returns the store's folder.
func (s *Store) Dir() string { return s.dir }

// Create writes obj so that no reader ever sees part of it and no existing object is replaced.
// The bytes and the attributes go to a new file not yet under the key (see stage), which is
// synced; then it is linked under the key (link fails if the key exists, atomically): the one
// step that publishes the object, with its attributes. The folder is then synced so that the
// name survives a crash (one fsync for all the writers of the folder at that moment: group
// commit); if that fails, the object is unlinked again. A crash at any point leaves no object
// or a whole one with its attributes; what it leaves in TempDir is removed at the next start.
func (s *Store) Create(ctx context.Context, obj ports.Object) error {
	path, err := s.prepare(obj)
	if err != nil {
		return err
	}
	if err := s.mkdirs(filepath.Dir(path)); err != nil {
		return fmt.Errorf("create folder for %s: %w", obj.Key, err)
	}
	st, err := s.stage(filepath.Dir(path), obj)
	if err != nil {
		return fmt.Errorf("write %s: %w", obj.Key, err)
	}
	defer st.discard()
	if err := ctx.Err(); err != nil {
		return err
	}
	step("link")
	if err := st.link(path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s: %w", obj.Key, ports.ErrExists)
		}
		return fmt.Errorf("publish %s: %w", obj.Key, err)
	}
	step("sync folder")
	if err := s.syncDir(filepath.Dir(path)); err != nil {
		// Not durable: take it back, durably, so that "not stored" stays true after a crash.
		if rerr := os.Remove(path); rerr != nil {
			return fmt.Errorf("%s: %w: %w (and undo: %w)", obj.Key, ports.ErrUnknown, err, rerr)
		}
		if serr := s.syncDir(filepath.Dir(path)); serr != nil {
			return fmt.Errorf("%s: %w: %w (and undo: %w)", obj.Key, ports.ErrUnknown, err, serr)
		}
		return fmt.Errorf("%s: %w", obj.Key, err)
	}
	step("remove temporary file")
	return nil
}

// step marks the point between two steps of a write that is named next. Tests of crashes
// stop the process there; it does nothing otherwise.
var step = func(next string) {}

// Replace writes obj over the object at its key if that object's ETag is etag: a synced
// temporary file (with the attributes) is renamed over the old one, atomically, under the
// store's lock, so that of two replacements of one version only one wins.
func (s *Store) Replace(ctx context.Context, obj ports.Object, etag string) error {
	path, err := s.prepare(obj)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, err := os.ReadFile(path)
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
	if err := os.Rename(st.name, path); err != nil {
		return fmt.Errorf("publish %s: %w", obj.Key, err)
	}
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
	name string   // the temporary name, "" for an unnamed file
}

// stage writes obj to a new file: in dir and unnamed where the system allows it (nothing to
// sweep after a crash, and fewer folder changes), else named in TempDir. dir "" asks for a
// named file (a rename needs a name).
func (s *Store) stage(dir string, obj ports.Object) (*staged, error) {
	step("create temporary file")
	st, err := s.open(dir)
	if err != nil {
		return nil, err
	}
	if err := st.fill(obj); err != nil {
		st.discard()
		return nil, err
	}
	return st, nil
}

// open makes the new file that stage fills.
func (s *Store) open(dir string) (*staged, error) {
	if s.unnamed && dir != "" {
		f, err := openUnnamed(dir)
		if err != nil {
			return nil, err
		}
		return &staged{f: f}, nil
	}
	f, err := os.CreateTemp(filepath.Join(s.dir, TempDir), "put-*")
	if err != nil {
		return nil, err
	}
	return &staged{f: f, name: f.Name()}, nil
}

// fill writes the data and the attributes, and syncs them.
func (st *staged) fill(obj ports.Object) error {
	step("write")
	if _, err := st.f.Write(obj.Data); err != nil {
		return err
	}
	step("set attributes")
	if err := setAttrs(st.f, obj); err != nil {
		return err
	}
	step("sync file")
	return st.f.Sync()
}

// link gives the file the name path, atomically, failing if path exists.
func (st *staged) link(path string) error {
	if st.name == "" {
		return linkUnnamed(st.f, path)
	}
	return os.Link(st.name, path)
}

// discard closes the file and removes its temporary name; what was linked stays.
func (st *staged) discard() {
	if st.f != nil {
		st.f.Close()
		st.f = nil
	}
	if st.name != "" {
		os.Remove(st.name)
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

// Get returns the object under key with its attributes and ETag.
func (s *Store) Get(ctx context.Context, key string) (ports.Object, error) {
	if err := ctx.Err(); err != nil {
		return ports.Object{}, err
	}
	path, err := s.path(key)
	if err != nil {
		return ports.Object{}, err
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return ports.Object{}, fmt.Errorf("%s: %w", key, ports.ErrNotFound)
	}
	if err != nil {
		return ports.Object{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ports.Object{}, err
	}
	b := make([]byte, st.Size())
	if _, err := f.ReadAt(b, 0); err != nil && st.Size() > 0 {
		return ports.Object{}, fmt.Errorf("read %s: %w", key, err)
	}
	o := ports.Object{Key: key, Data: b, ETag: etagOf(b)}
	o.ContentType = getAttr(f, AttrContentType)
	o.Client = getAttr(f, AttrClient)
	if sum, err := base64.StdEncoding.DecodeString(getAttr(f, AttrSHA256)); err == nil && len(sum) == sha256.Size {
		copy(o.SHA256[:], sum)
	}
	return o, nil
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

// path maps a key to a file below the folder, refusing keys that would leave it, or name the
// store's own temporary folder.
func (s *Store) path(key string) (string, error) {
	segs := strings.Split(key, "/")
	if segs[0] == TempDir {
		return "", fmt.Errorf("key %q is in the store's own folder %s", key, TempDir)
	}
	for _, seg := range segs {
		if seg == "" || seg == "." || seg == ".." || strings.ContainsRune(seg, 0) {
			return "", fmt.Errorf("key %q cannot be a path below the storage folder", key)
		}
	}
	return filepath.Join(s.dir, filepath.FromSlash(key)), nil
}

// mkdirs creates dir and any missing folder above it, up to the store's folder, and makes the
// path durable: the parent of each folder is synced once per process (a folder another
// request has just made may not be synced yet), so that the path survives a crash.
func (s *Store) mkdirs(dir string) error {
	if dir == s.dir {
		return nil
	}
	if _, ok := s.durable.Load(dir); ok {
		return nil
	}
	if err := s.mkdirs(filepath.Dir(dir)); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	if err := s.syncDir(filepath.Dir(dir)); err != nil {
		return err
	}
	s.durable.Store(dir, true)
	return nil
}

// syncDir makes the changes made so far to dir's entries durable, sharing the fsync with the
// writers that ask at the same time (group commit).
func (s *Store) syncDir(dir string) error {
	g, ok := s.groups.Load(dir)
	if !ok {
		g, _ = s.groups.LoadOrStore(dir, newGroup())
	}
	return g.(*group).sync(func() error { return fsyncDir(dir) })
}

// fsyncDir fsyncs a folder.
func fsyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync folder: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync folder: %w", err)
	}
	return nil
}

// Keys returns every key, sorted, but those in hidden folders (the temporary files, and
// whatever is kept there, such as the idempotency records): what a consumer lists as the drops.
func (s *Store) Keys() ([]string, error) {
	var keys []string
	err := filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		hidden := strings.HasPrefix(d.Name(), ".") && path != s.dir
		switch {
		case d.IsDir() && hidden:
			return filepath.SkipDir
		case d.IsDir() || hidden:
			return nil
		}
		rel, err := filepath.Rel(s.dir, path)
		keys = append(keys, filepath.ToSlash(rel))
		return err
	})
	sort.Strings(keys)
	return keys, err
}
