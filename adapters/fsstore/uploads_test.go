//go:build linux || darwin

package fsstore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/fsstore"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/storetest"
)

func TestUploads(t *testing.T) {
	storetest.RunUploads(t, func(t *testing.T) storetest.UploadHarness {
		s := newStore(t)
		return storetest.UploadHarness{
			Harness: storetest.Harness{Store: s, Keys: func(t *testing.T) []string { return keys(t, s) }},
			Uploads: s,
			Filename: func(t *testing.T, key string) string {
				name, err := s.Filename(key)
				if err != nil {
					t.Fatal(err)
				}
				return name
			},
		}
	})
}

// TestSweepUploads: staged files and state records last written before the cutoff are
// removed; newer ones, and objects, stay.
func TestSweepUploads(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	old, err := s.BeginUpload(ctx, ports.UploadObject{Key: "a"})
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := s.BeginUpload(ctx, ports.UploadObject{Key: "b"})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{domain.UploadPrefix + "old", domain.UploadPrefix + "fresh", "object"} {
		if err := s.Create(ctx, ports.Object{Key: k, Data: []byte("{}")}); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-48 * time.Hour)
	for _, p := range []string{filepath.Join(s.Dir(), fsstore.StagingDir, old.Ref), filepath.Join(s.Dir(), filepath.FromSlash(domain.UploadPrefix), "old"), filepath.Join(s.Dir(), "object")} {
		if err := os.Chtimes(p, past, past); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.SweepUploads(domain.UploadPrefix, time.Now().Add(-24*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("SweepUploads: %d, %v; want 2 removed", n, err)
	}
	for p, want := range map[string]bool{
		filepath.Join(fsstore.StagingDir, old.Ref):                      false,
		filepath.Join(fsstore.StagingDir, fresh.Ref):                    true,
		filepath.Join(filepath.FromSlash(domain.UploadPrefix), "old"):   false,
		filepath.Join(filepath.FromSlash(domain.UploadPrefix), "fresh"): true,
		"object": true,
	} {
		_, err := os.Stat(filepath.Join(s.Dir(), p))
		if got := err == nil; got != want {
			t.Errorf("after the sweep, %s is there: %v, want %v", p, got, want)
		}
	}
}
