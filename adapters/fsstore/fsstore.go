// Package fsstore is a ports.ObjectStore on a local folder: one file per object, the key as
// its path below the folder. For running the service off AWS and in development.
package fsstore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// Store keeps objects as files under a folder. Files are 0600 and folders 0700.
type Store struct {
	dir string
	mu  sync.Mutex // serializes replacements (IfMatch) within this process
}

var _ ports.ObjectStore = (*Store)(nil)

// New returns a store under dir, creating the folder (0700) if it does not exist.
func New(dir string) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("storage folder %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("create storage folder: %w", err)
	}
	return &Store{dir: abs}, nil
}

// Dir returns the store's folder.
func (s *Store) Dir() string { return s.dir }

// Put writes obj so that no reader ever sees part of it and no existing object is replaced:
// the bytes go to a hidden temporary file in the target's folder, which is synced, then linked
// under the key (link fails if the key exists, atomically). Then its attributes (content type,
// client, SHA-256) are written beside it, in a hidden file, and the folder is synced so that
// both names survive a crash. The temporary file is removed whatever happens. A crash between
// the link and the attributes leaves the object whole, without them.
func (s *Store) Put(ctx context.Context, obj ports.Object) error {
	path, err := s.path(obj.Key)
	if err != nil {
		return err
	}
	if obj.SHA256 != ([sha256.Size]byte{}) && sha256.Sum256(obj.Data) != obj.SHA256 {
		return ports.Errorf(ports.EBadDigest, "The data does not match its SHA-256")
	}
	if obj.IfMatch != "" {
		return s.replace(ctx, path, obj)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create folder for %s: %w", obj.Key, err)
	}
	return publish(ctx, path, obj, func(tmp string) error {
		err := os.Link(tmp, path) // fails if the key exists
		if errors.Is(err, fs.ErrExist) {
			return &ports.Error{Code: ports.EConflict, Message: "An object already exists under this key", Err: err}
		}
		return err
	})
}

// publish writes obj's bytes to a synced temporary file beside path, has place put that file
// at path, writes the attributes, and syncs the folder. The temporary file is removed
// whatever happens.
func publish(ctx context.Context, path string, obj ports.Object, place func(tmp string) error) error {
	dir := filepath.Dir(path)
	tmp, err := writeTemp(dir, obj.Data)
	if err != nil {
		return fmt.Errorf("write %s: %w", obj.Key, err)
	}
	defer os.Remove(tmp)
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := place(tmp); err != nil {
		if ports.ErrorCode(err) != ports.EInternal {
			return err
		}
		return fmt.Errorf("publish %s: %w", obj.Key, err)
	}
	if err := writeAttrs(path, obj); err != nil {
		return err
	}
	return syncDir(dir)
}

// attrs are what the store keeps beside an object.
type attrs struct {
	ContentType string `json:"content_type,omitempty"`
	Client      string `json:"client,omitempty"`
	SHA256      string `json:"sha256,omitempty"` // standard base64, as S3 gives it
}

// attrsPath is the hidden file beside an object that holds its attributes.
func attrsPath(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".attrs.json")
}

func writeAttrs(path string, obj ports.Object) error {
	a := attrs{ContentType: obj.ContentType, Client: obj.Client}
	if obj.SHA256 != ([sha256.Size]byte{}) {
		a.SHA256 = base64.StdEncoding.EncodeToString(obj.SHA256[:])
	}
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	tmp, err := writeTemp(filepath.Dir(path), b)
	if err == nil {
		defer os.Remove(tmp)
		err = os.Rename(tmp, attrsPath(path))
	}
	if err != nil {
		return fmt.Errorf("write attributes of %s: %w", filepath.Base(path), err)
	}
	return nil
}

// writeTemp writes data to a new hidden temporary file in dir, synced, and returns its path.
// The caller removes it.
func writeTemp(dir string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// replace writes obj over the object at path if that object's ETag is obj.IfMatch: the new
// bytes go to a synced temporary file that is renamed over the old one (atomic), under the
// store's lock, so that of two replacements of one version only one wins. The lock holds
// within this process: run one process per folder.
func (s *Store) replace(ctx context.Context, path string, obj ports.Object) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return ports.Errorf(ports.ENotFound, "No object under this key")
	case err != nil:
		return fmt.Errorf("read %s: %w", obj.Key, err)
	case etag(old) != obj.IfMatch:
		return ports.Errorf(ports.EConflict, "The object under this key has another version")
	}
	return publish(ctx, path, obj, func(tmp string) error { return os.Rename(tmp, path) })
}

// etag is a version of an object's bytes: their SHA-256, as S3's is (for simple uploads) their
// MD5.
func etag(data []byte) string {
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
	o, err := read(path, key)
	if errors.Is(err, fs.ErrNotExist) {
		return ports.Object{}, ports.Errorf(ports.ENotFound, "No object under this key")
	}
	return o, err
}

// path maps a key to a file below the folder, refusing keys that would leave it or name a
// hidden file (hidden names are the store's temporary files).
func (s *Store) path(key string) (string, error) {
	rest, _ := strings.CutPrefix(key, ports.RecordPrefix) // the one hidden folder allowed
	for _, seg := range strings.Split(rest, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.HasPrefix(seg, ".") || strings.ContainsRune(seg, 0) {
			return "", fmt.Errorf("key %q cannot be a path below the storage folder", key)
		}
	}
	return filepath.Join(s.dir, filepath.FromSlash(key)), nil
}

func syncDir(dir string) error {
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

// Object returns the object under key with the attributes kept beside it, and whether there
// is one.
func (s *Store) Object(key string) (ports.Object, bool) {
	path, err := s.path(key)
	if err != nil {
		return ports.Object{}, false
	}
	o, err := read(path, key)
	return o, err == nil
}

// read reads the object at path and the attributes beside it (missing attributes leave
// them empty).
func read(path, key string) (ports.Object, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return ports.Object{}, err
	}
	o := ports.Object{Key: key, Data: b, ETag: etag(b)}
	var a attrs
	if raw, err := os.ReadFile(attrsPath(path)); err == nil && json.Unmarshal(raw, &a) == nil {
		o.ContentType, o.Client = a.ContentType, a.Client
		if sum, err := base64.StdEncoding.DecodeString(a.SHA256); err == nil && len(sum) == sha256.Size {
			copy(o.SHA256[:], sum)
		}
	}
	return o, nil
}

// Keys returns every key, sorted; temporary files, attributes and idempotency records are not
// objects.
func (s *Store) Keys() ([]string, error) {
	var keys []string
	err := filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		hidden := strings.HasPrefix(d.Name(), ".") && path != s.dir
		switch {
		case d.IsDir() && hidden:
			return filepath.SkipDir // the idempotency records are not objects
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
