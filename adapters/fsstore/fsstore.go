// Package fsstore is a ports.ObjectStore on a local folder: one file per object, the key as
// its path below the folder. For running the service off AWS and in development.
package fsstore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// Store keeps objects as files under a folder. Files are 0600 and folders 0700.
type Store struct {
	dir string
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
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create folder for %s: %w", obj.Key, err)
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary file: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(obj.Data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", obj.Key, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return &ports.Error{Code: ports.EConflict, Message: "An object already exists under this key", Err: err}
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
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary file: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), attrsPath(path))
	}
	if err != nil {
		return fmt.Errorf("write attributes of %s: %w", filepath.Base(path), err)
	}
	return nil
}

// path maps a key to a file below the folder, refusing keys that would leave it or name a
// hidden file (hidden names are the store's temporary files).
func (s *Store) path(key string) (string, error) {
	for _, seg := range strings.Split(key, "/") {
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

// Get returns the data under key, and whether there is an object.
func (s *Store) Get(key string) ([]byte, bool) {
	o, ok := s.Object(key)
	return o.Data, ok
}

// Object returns the object under key with the attributes kept beside it, and whether there
// is one.
func (s *Store) Object(key string) (ports.Object, bool) {
	path, err := s.path(key)
	if err != nil {
		return ports.Object{}, false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return ports.Object{}, false
	}
	o := ports.Object{Key: key, Data: b}
	var a attrs
	if raw, err := os.ReadFile(attrsPath(path)); err == nil && json.Unmarshal(raw, &a) == nil {
		o.ContentType, o.Client = a.ContentType, a.Client
		if sum, err := base64.StdEncoding.DecodeString(a.SHA256); err == nil && len(sum) == sha256.Size {
			copy(o.SHA256[:], sum)
		}
	}
	return o, true
}

// Keys returns every key, sorted; temporary files are not objects.
func (s *Store) Keys() ([]string, error) {
	var keys []string
	err := filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		rel, err := filepath.Rel(s.dir, path)
		keys = append(keys, filepath.ToSlash(rel))
		return err
	})
	sort.Strings(keys)
	return keys, err
}
