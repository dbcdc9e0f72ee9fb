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
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// TempDir is the hidden folder, below the store's folder, of the files being written. The store
// locks it while it runs; at start it removes the temporary files a crash left in it (see
// sweep).
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
	mu      sync.Mutex // serializes replacements

	fix     sync.Mutex              // serializes making TempDir again, see remake
	tmp     atomic.Pointer[os.File] // TempDir, opened without following a symlink, flock'ed
	retired []*os.File              // TempDirs removed under the store; kept open until Close (under fix)
	rootNew bool                    // the store's folder was made again, not yet synced into its parent (under fix)

	durable sync.Map      // folders known to exist durably, see mkdirs
	remade  atomic.Uint64 // counts the folders found removed under the store (forget, remake)
	groups  sync.Map      // folder → *group: the group commit of its syncs
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
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("create storage folder: %w", err)
	}
	tmp, err := openTemp(abs)
	if err != nil {
		return nil, err
	}
	s := &Store{dir: abs}
	s.tmp.Store(tmp)
	if err := s.start(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
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
	s.unnamed = unnamedWorks(tmp.Name())
	return nil
}

// unnamedWorks reports whether files can be made unnamed in dir and linked later.
func unnamedWorks(dir string) bool {
	f, err := openUnnamed(dir)
	if err != nil {
		return false
	}
	defer f.Close()
	probe := filepath.Join(dir, tempName())
	if err := linkUnnamed(f, probe); err != nil {
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

// Create writes obj so that no reader ever sees part of it and no existing object is replaced.
// The bytes and the attributes go to a new file not yet under the key (see stage), which is
// synced; then it is linked under the key (link fails if the key exists, atomically): the one
// step that publishes the object, with its attributes. The folder is then synced so that the
// name survives a crash (one fsync for all the writers of the folder at that moment: group
// commit); if that fails, the name stays and the outcome is unknown (ErrUnknown). A key found
// taken is ErrExists only once its name is durable (see found). A crash at any point leaves no
// object or a whole one with its attributes; what it leaves in TempDir is removed at the next
// start. A folder of the key's path that was removed under the store is made again, and the
// write tried once more.
func (s *Store) Create(ctx context.Context, obj ports.Object) error {
	path, err := s.prepare(obj)
	if err != nil {
		return err
	}
	if err := s.holds(); err != nil {
		return err
	}
	err = s.create(ctx, obj, path)
	if errors.Is(err, errGone) {
		s.forget(filepath.Dir(path))
		if rerr := s.remake(); rerr != nil {
			return fmt.Errorf("%w (and %w)", err, rerr)
		}
		err = s.create(ctx, obj, path)
	}
	return err
}

// errGone marks a write that stored nothing because a folder it needed was missing: removed
// under the store.
var errGone = errors.New("a folder of the store was removed")

// create is one try of Create.
func (s *Store) create(ctx context.Context, obj ports.Object, path string) error {
	dir := filepath.Dir(path)
	remade := s.remade.Load()
	if err := s.mkdirs(dir); err != nil {
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
	testHookStep("link")
	if err := st.link(path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			err := s.found(obj.Key, path)
			if errors.Is(err, ports.ErrExists) && s.remade.Load() != remade {
				if serr := s.settle(dir); serr != nil { // see below
					return fmt.Errorf("%s: an object holds the key, but its folder may not be durable: %w", obj.Key, serr)
				}
			}
			return err
		}
		return fmt.Errorf("publish %s: %w", obj.Key, gone(err))
	}
	testHookStep("sync folder")
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
	testHookStep("remove temporary file")
	return nil
}

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
func (s *Store) found(key, path string) error {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
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

// testHookStep runs between two steps of a write, with the name of the next one. Crash tests
// set it to stop the process there; it does nothing otherwise.
var testHookStep = func(next string) {}

// testHookFsync, when tests set it, runs before each fsync: of a file ("file") or of a
// folder ("folder"), with the path; an error it returns stands for the fsync's.
var testHookFsync func(kind, path string) error

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
	old, err := readFile(path)
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
	if err := unix.Renameat(int(st.tmp.Fd()), st.name, unix.AT_FDCWD, path); err != nil {
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
}

// stage writes obj to a new file: in dir and unnamed where the system allows it (nothing to
// sweep after a crash, and fewer folder changes), else named in TempDir. dir "" asks for a
// named file (a rename needs a name).
func (s *Store) stage(dir string, obj ports.Object) (*staged, error) {
	testHookStep("create temporary file")
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
func (st *staged) fill(obj ports.Object) error {
	testHookStep("write")
	if _, err := st.f.Write(obj.Data); err != nil {
		return err
	}
	testHookStep("set attributes")
	if err := setAttrs(st.f, obj); err != nil {
		return err
	}
	testHookStep("sync file")
	return syncFile(st.f)
}

// syncFile fsyncs f.
func syncFile(f *os.File) error {
	if testHookFsync != nil {
		if err := testHookFsync("file", f.Name()); err != nil {
			return err
		}
	}
	return f.Sync()
}

// link gives the file the name path, atomically, failing if path exists.
func (st *staged) link(path string) error {
	if st.name == "" {
		return linkUnnamed(st.f, path)
	}
	if err := unix.Linkat(int(st.tmp.Fd()), st.name, unix.AT_FDCWD, path, 0); err != nil {
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
	f, err := openFile(path)
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

// openFile opens the regular file at path for reading, without following a symlink there.
func openFile(path string) (*os.File, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
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

// readFile returns the content of the regular file at path (see openFile).
func readFile(path string) ([]byte, error) {
	f, err := openFile(path)
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
// request has just made may not be synced yet), so that the path survives a crash. A symlink
// where a folder should be is refused: the store writes only below its folder.
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
	if err := os.Mkdir(dir, 0o700); errors.Is(err, fs.ErrExist) {
		if info, err := os.Lstat(dir); err != nil || !info.IsDir() {
			return fmt.Errorf("%s is not a folder (a symlink or a file): the store writes only below its folder", dir)
		}
	} else if err != nil {
		return err
	}
	if err := s.syncDir(filepath.Dir(dir)); err != nil {
		return err
	}
	s.durable.Store(dir, true)
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
	return g.(*group).sync(func() error { return fsyncDir(dir) })
}

// fsyncDir fsyncs a folder.
func fsyncDir(dir string) error {
	if testHookFsync != nil {
		if err := testHookFsync("folder", dir); err != nil {
			return fmt.Errorf("sync folder: %w", err)
		}
	}
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
// Only regular files are objects (a symlink is not).
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
		case !d.Type().IsRegular() || hidden:
			return nil
		}
		rel, err := filepath.Rel(s.dir, path)
		keys = append(keys, filepath.ToSlash(rel))
		return err
	})
	sort.Strings(keys)
	return keys, err
}
