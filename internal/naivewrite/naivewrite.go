// Package naivewrite is the floor the filesystem store is measured against: a durable write
// done the simple way, each writer on its own.
package naivewrite

import (
	"os"
	"path/filepath"
)

// Write stores data under dir/name durably: a temporary file, write, fsync, close, rename,
// then an fsync of dir. A failed write removes its temporary file.
func Write(dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
