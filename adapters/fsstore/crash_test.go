//go:build linux || darwin

package fsstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// crashObject is what the crashing child writes.
var crashObject = func() ports.Object {
	data := bytes.Repeat([]byte("whole payload "), 700)
	return ports.Object{Key: "in/2026-11-29T01:02:03.000004-crash", Data: data, ContentType: "text/plain", Client: "alice", SHA256: sha256.Sum256(data)}
}()

// TestCrashBetweenSteps kills a process (os.Exit: no deferred cleanup runs) between every two
// steps of Create, then opens the folder again, as a restarted server does: the object is
// absent, or whole with all its attributes; no temporary file is left; and the write, retried,
// either stores it or finds it stored.
func TestCrashBetweenSteps(t *testing.T) {
	if dir := os.Getenv("FSSTORE_CRASH_DIR"); dir != "" {
		at := os.Getenv("FSSTORE_CRASH_AT")
		s, err := newStore(dir, &hooks{step: func(next string) {
			if next == at {
				os.Exit(3)
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		s.Create(context.Background(), crashObject)
		os.Exit(0) // the step never came: the parent fails the test
	}
	steps := []struct {
		at        string
		published bool
	}{
		{"create temporary file", false},
		{"write", false},
		{"set attributes", false},
		{"sync file", false},
		{"link", false},
		{"sync folder", true},
		{"remove temporary file", true},
	}
	for _, tt := range steps {
		t.Run(tt.at, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashBetweenSteps$")
			cmd.Env = append(os.Environ(), "FSSTORE_CRASH_DIR="+dir, "FSSTORE_CRASH_AT="+tt.at)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 3 {
				t.Fatalf("child: %v, want a crash (exit 3) before %q\n%s", err, tt.at, out)
			}
			s, err := New(dir)
			if err != nil {
				t.Fatalf("restart: %v", err)
			}
			defer s.Close()
			ctx := context.Background()
			got, err := s.Get(ctx, crashObject.Key)
			switch {
			case errors.Is(err, ports.ErrNotFound) && !tt.published:
			case err == nil && tt.published:
				if !bytes.Equal(got.Data, crashObject.Data) || got.ContentType != crashObject.ContentType || got.Client != crashObject.Client || got.SHA256 != crashObject.SHA256 {
					t.Errorf("after the crash: %d bytes, %q, %q, %x; want the whole object with its attributes", len(got.Data), got.ContentType, got.Client, got.SHA256)
				}
			default:
				t.Fatalf("after a crash before %q: Get = %v; want the object published %v", tt.at, err, tt.published)
			}
			if left, _ := os.ReadDir(filepath.Join(dir, TempDir)); len(left) != 0 {
				t.Errorf("temporary files left after the restart: %v", left)
			}
			err = s.Create(ctx, crashObject)
			if tt.published && !errors.Is(err, ports.ErrExists) || !tt.published && err != nil {
				t.Errorf("retried write: %v", err)
			}
			if got, err := s.Get(ctx, crashObject.Key); err != nil || !bytes.Equal(got.Data, crashObject.Data) {
				t.Errorf("after the retry: %d bytes, %v; want the whole object", len(got.Data), err)
			}
		})
	}
}
