//go:build darwin

package fsstore

import (
	"errors"
	"os"
)

// openUnnamed is not available: the store writes named temporary files in TempDir.
func openUnnamed(dirfd int) (*os.File, error) { return nil, errors.ErrUnsupported }

func linkUnnamed(f *os.File, dirfd int, path string) error { return errors.ErrUnsupported }
