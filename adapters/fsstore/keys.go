//go:build linux || darwin

package fsstore

import (
	"fmt"
	"path/filepath"
	"strings"
)

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
