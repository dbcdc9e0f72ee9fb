package domain_test

import (
	"context"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/adapters/system"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// TestUploadOwnedByItsTokenEntryWhenUnnamed: AUTH_TOKEN entries without a name are all
// "default", and still each is its own client: an upload created with one entry's token is
// not found (404) with another entry's, on HEAD, PATCH and DELETE; its own token still finds
// it, whatever the order of the entries.
func TestUploadOwnedByItsTokenEntryWhenUnnamed(t *testing.T) {
	s := memstore.New()
	newUploads := func(entries ...domain.Credential) *domain.Uploads {
		t.Helper()
		cfg := config()
		cfg.AuthTokens = entries
		svc, err := domain.New(cfg, s, system.Clock{}, system.UUIDs{})
		if err != nil {
			t.Fatal(err)
		}
		u, err := domain.NewUploads(svc, s, domain.UploadConfig{MaxBytes: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	first, second := cred(domain.DefaultClient, "first-token"), cred(domain.DefaultClient, "second-token")
	u := newUploads(first, second)
	header := func(token string, kv ...string) porttest.Header {
		h := porttest.Header{"x-cdn-authorization": "Bearer " + cdnClient, "authorization": "Bearer " + token}
		for i := 0; i+1 < len(kv); i += 2 {
			h[kv[i]] = kv[i+1]
		}
		return h
	}
	ctx := context.Background()
	created, err := u.Upload(ctx, ports.UploadRequest{Method: "POST", Header: header("first-token", "upload-length", "10")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		method string
		header porttest.Header
	}{
		{"HEAD", header("second-token")},
		{"PATCH", header("second-token", "content-type", domain.PatchContentType, "upload-offset", "0", "content-length", "0")},
		{"DELETE", header("second-token")},
	} {
		_, err := u.Upload(ctx, ports.UploadRequest{Method: tt.method, ID: created.ID, Header: tt.header})
		if got := domain.ErrorCode(err); got != domain.EUploadNotFound {
			t.Errorf("%s with another unnamed entry's token: error %v (code %q), want %q", tt.method, err, got, domain.EUploadNotFound)
		}
	}
	// The owner is the entry's token, not its position: reordered, the creator still finds it.
	if _, err := newUploads(second, first).Upload(ctx, ports.UploadRequest{Method: "HEAD", ID: created.ID, Header: header("first-token")}); err != nil {
		t.Errorf("HEAD by its creator after the entries were reordered: %v", err)
	}
}
