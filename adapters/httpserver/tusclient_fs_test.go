//go:build linux || darwin

package httpserver_test

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/fsstore"
)

// TestTusClientFolder: tus-js-client against the server with a folder store.
func TestTusClientFolder(t *testing.T) {
	store, err := fsstore.New(filepath.Join(t.TempDir(), "drops"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	const limit = 20 << 20
	RunTusClient(t, TusTarget{
		URL:     serveUploads(t, store, limit),
		Visible: func(t *testing.T) []string { return visibleFiles(t, store.Dir()) },
		Store:   store,
	}, limit)
}

// visibleFiles returns the files under dir but those in hidden folders or hidden themselves:
// what a consumer of the folder lists as drops.
func visibleFiles(t *testing.T, dir string) []string {
	t.Helper()
	var keys []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && path != dir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, path)
			keys = append(keys, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}
