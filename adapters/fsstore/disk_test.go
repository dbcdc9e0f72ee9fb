//go:build linux

package fsstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/fsstore"
	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// smallDisk mounts a tmpfs of the given options at a new folder and unmounts it when the test
// ends. It needs root (CI runs as root); elsewhere the test skips and says so, and in CI it
// fails instead.
func smallDisk(t *testing.T, options string) string {
	t.Helper()
	dir := t.TempDir()
	err := syscall.Mount("tmpfs", dir, "tmpfs", 0, options)
	if err != nil {
		msg := fmt.Sprintf("cannot mount a small tmpfs (%v): run as root to test a full disk", err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip("skipped: " + msg)
	}
	t.Cleanup(func() { syscall.Unmount(dir, 0) })
	return dir
}

// fill writes a file under dir that leaves exactly free bytes of the filesystem free (tmpfs
// counts whole 4 KiB pages), replacing the previous filler.
func fill(t *testing.T, dir string, free int64) {
	t.Helper()
	path := filepath.Join(dir, "filler")
	os.Remove(path)
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	size := int64(st.Bavail)*st.Bsize - free
	if size < 0 {
		t.Fatalf("cannot leave %d bytes free: only %d are", free, int64(st.Bavail)*st.Bsize)
	}
	if err := os.WriteFile(path, make([]byte, size), 0o600); err != nil {
		t.Fatalf("filler of %d bytes: %v", size, err)
	}
}

// diskServer is the HTTP handler with the core over a filesystem store in dir.
func diskServer(t *testing.T, dir string) (http.Handler, *fsstore.Store) {
	t.Helper()
	store, err := fsstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	core := facetest.Core(t, store)
	return httpserver.NewHandler(core, httpface.NewRecorder(slog.New(slog.DiscardHandler), "")), store
}

func post(h http.Handler, payload []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/v1/drop", bytes.NewReader(payload))
	req.Header.Set("Content-Length", fmt.Sprint(len(payload)))
	req.Header.Set("Authorization", "Bearer "+facetest.AuthToken)
	req.Header.Set(facetest.CDNHeader, "Bearer "+facetest.CDNToken)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// TestFullDisk: on a filesystem left with every remainder of free space from none to a few
// pages, drops of sizes around each remainder: a 202 is the whole payload stored exactly once,
// any other answer is a 503 that says "not stored" and nothing is stored; no temporary file is
// left. A full disk never yields a prefix, a half-published object or a false "not stored".
func TestFullDisk(t *testing.T) {
	mnt := smallDisk(t, "size=256k")
	h, store := diskServer(t, filepath.Join(mnt, "drops"))
	ctx := context.Background()
	sizes := []int{0, 1, 100, 4095, 4096, 4097, 8191, 8192, 8193, 10240}
	stored, refused := 0, 0
	for free := int64(0); free <= 4*4096; free += 1024 {
		for i, size := range sizes {
			payload := bytes.Repeat([]byte{byte('a' + i)}, size)
			before, _ := store.Keys()
			fill(t, mnt, free)
			w := post(h, payload)
			after, err := store.Keys()
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case w.Code == 202:
				stored++
				if len(after) != len(before)+1 {
					t.Fatalf("free %d, %d bytes: 202 with %d objects, had %d", free, size, len(after), len(before))
				}
				var newKey string
				for _, k := range after {
					if !slices.Contains(before, k) {
						newKey = k
					}
				}
				o, err := store.Get(ctx, newKey)
				if err != nil || !bytes.Equal(o.Data, payload) {
					t.Fatalf("free %d, %d bytes: 202, but stored %d bytes, %v", free, size, len(o.Data), err)
				}
				os.Remove(filepath.Join(store.Dir(), newKey)) // room for the next
			case w.Code == 503:
				refused++
				if len(after) != len(before) {
					t.Fatalf("free %d, %d bytes: 503 %q, yet %d objects, had %d", free, size, w.Body, len(after), len(before))
				}
				if !bytes.Contains(w.Body.Bytes(), []byte("not stored")) {
					t.Errorf("503 body %q: want it to say not stored", w.Body)
				}
			default:
				t.Fatalf("free %d, %d bytes: %d %q, want 202 or 503", free, size, w.Code, w.Body)
			}
			if left, _ := os.ReadDir(filepath.Join(store.Dir(), fsstore.TempDir)); len(left) != 0 {
				t.Fatalf("free %d, %d bytes: temporary files left: %v", free, size, left)
			}
		}
	}
	if stored == 0 || refused == 0 {
		t.Errorf("%d stored, %d refused: want both, or the disk was never full (or never had room)", stored, refused)
	}
}

// TestNoInodes: a filesystem out of inodes refuses every drop with a 503 and keeps nothing.
func TestNoInodes(t *testing.T) {
	mnt := smallDisk(t, "size=1m,nr_inodes=16")
	h, store := diskServer(t, filepath.Join(mnt, "drops"))
	for i := 0; ; i++ {
		if err := os.WriteFile(filepath.Join(mnt, fmt.Sprint("f", i)), nil, 0o600); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	for _, size := range []int{0, 10, 10240} {
		if w := post(h, make([]byte, size)); w.Code != 503 {
			t.Errorf("%d bytes, no inode left: %d %q, want 503", size, w.Code, w.Body)
		}
	}
	if keys, _ := store.Keys(); len(keys) != 0 {
		t.Errorf("objects %v, want none", keys)
	}
}
