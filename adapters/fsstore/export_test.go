//go:build linux || darwin

package fsstore

import (
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
)

// Keys (for the tests) returns every key, sorted, but those in hidden folders (the temporary
// files, and whatever is kept there, such as the idempotency records): what a consumer lists
// as the drops. Only regular files are objects (a symlink is not).
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
