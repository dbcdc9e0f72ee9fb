package domain_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/adapters/system"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// committedErrorStore is a memory store whose completions store the object and answer an
// error, as S3 may (a 500 after the write committed).
type committedErrorStore struct{ *memstore.Store }

func (s committedErrorStore) CompleteUpload(ctx context.Context, p ports.UploadProgress, obj ports.UploadObject) error {
	if err := s.Store.CompleteUpload(ctx, p, obj); err != nil {
		return err
	}
	return errors.New("InternalError: we encountered an internal error")
}

// TestTerminateRefusedOnceWhole: a DELETE of an upload whose bytes are all there, its
// completion's outcome unknown (here: stored, answered 500), is refused (409 upload_complete) and
// keeps it: the upload may be a drop already, and a 204 would say it is not. The next HEAD
// confirms the completion; exactly one object holds the bytes.
func TestTerminateRefusedOnceWhole(t *testing.T) {
	s := committedErrorStore{memstore.New()}
	u, err := domain.NewUploads(newService(t, s, system.Clock{}, system.UUIDs{}), s, domain.UploadConfig{MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	h := func(kv ...string) porttest.Header {
		hd := porttest.Header{"x-cdn-authorization": "Bearer " + cdnClient, "authorization": "Bearer " + authClient}
		for i := 0; i+1 < len(kv); i += 2 {
			hd[kv[i]] = kv[i+1]
		}
		return hd
	}
	ctx := context.Background()
	created, err := u.Upload(ctx, ports.UploadRequest{Method: "POST", Header: h("upload-length", "5")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = u.Upload(ctx, ports.UploadRequest{Method: "PATCH", ID: created.ID, Body: strings.NewReader("hello"),
		Header: h("content-type", domain.PatchContentType, "upload-offset", "0", "content-length", "5")})
	if err == nil {
		t.Fatal("the completing PATCH succeeded, want storage's error")
	}
	_, err = u.Upload(ctx, ports.UploadRequest{Method: "DELETE", ID: created.ID, Header: h()})
	if got := domain.ErrorCode(err); got != domain.EUploadComplete {
		t.Errorf("DELETE of a whole upload: error %v (code %q), want %q", err, got, domain.EUploadComplete)
	}
	res, err := u.Upload(ctx, ports.UploadRequest{Method: "HEAD", ID: created.ID, Header: h()})
	if err != nil || !res.Done || res.Offset != 5 {
		t.Fatalf("HEAD after the DELETE = %+v, %v; want done at offset 5", res, err)
	}
	var objects []string
	for _, k := range s.Keys() {
		if !strings.HasPrefix(k, ".") {
			objects = append(objects, k)
		}
	}
	if len(objects) != 1 || objects[0] != res.Key {
		t.Fatalf("objects %v, want one: %s", objects, res.Key)
	}
	if obj, _ := s.Get(ctx, res.Key); !bytes.Equal(obj.Data, []byte("hello")) {
		t.Errorf("object holds %q, want %q", obj.Data, "hello")
	}
}
