package main

import (
	"archive/tar"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// TestImageStorageFolder: the image, written and read back as docker load reads it, holds its
// storage folder owned by the image's user with mode 0700, so that an empty named volume
// mounted there, which Docker initialises from the image, is writable by the server.
func TestImageStorageFolder(t *testing.T) {
	img, err := imageOf([]byte("not a real binary"), "amd64", "1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "image.tar")
	tag, _ := name.NewTag("s3-dropbox:test", name.WeakValidation)
	if err := tarball.WriteToFile(path, tag, img); err != nil {
		t.Fatal(err)
	}
	loaded, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkDataDir(t, loaded)
}

// checkDataDir reads the image's filesystem (its layers, flattened) and checks the storage
// folder: a folder, owned by the user the image runs as, readable, writable and searchable
// by that user alone.
func checkDataDir(t *testing.T, img v1.Image) {
	t.Helper()
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Config.User != ImageUser || !strings.HasPrefix(ImageUser, "65532:") {
		t.Errorf("the image runs as %q, want %q", cfg.Config.User, ImageUser)
	}
	fs := mutate.Extract(img)
	defer fs.Close()
	found := false
	eachTarEntry(t, fs, func(h *tar.Header, _ *tar.Reader) {
		if strings.TrimSuffix("/"+strings.TrimPrefix(h.Name, "./"), "/") != ImageDataDir {
			return
		}
		found = true
		if h.Typeflag != tar.TypeDir || h.Uid != ImageUID || h.Gid != ImageUID || h.Mode&0o777 != 0o700 {
			t.Errorf("%s: type %c, owner %d:%d, mode %o; want a folder of %s, mode 700", ImageDataDir, h.Typeflag, h.Uid, h.Gid, h.Mode&0o777, ImageUser)
		}
	})
	if !found {
		t.Errorf("the image has no %s", ImageDataDir)
	}
}

// eachTarEntry calls f with each entry of the tar stream r, and a reader of its content.
func eachTarEntry(t *testing.T, r io.Reader, f func(h *tar.Header, tr *tar.Reader)) {
	t.Helper()
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		f(h, tr)
	}
}
