package domain_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/adapters/system"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// pipelineStore is a memory store whose appends but the last tell the test when they start,
// wait for its word to finish, and may fail; it counts the appends in flight and the buffers it is given.
type pipelineStore struct {
	*memstore.Store
	started chan int      // the append's number, as it starts
	release chan struct{} // one value lets one append finish
	fail    int           // the append (1-based) that fails; 0: none
	mu      sync.Mutex
	n       int
	flight  int
	most    int
	buffers map[*byte]bool
}

var errAppend = errors.New("storage unavailable")

func (s *pipelineStore) AppendUpload(ctx context.Context, p ports.UploadProgress, data []byte, last bool) (ports.UploadProgress, error) {
	s.mu.Lock()
	s.n++
	n := s.n
	s.flight++
	s.most = max(s.most, s.flight)
	s.buffers[&data[:1][0]] = true
	s.mu.Unlock()
	defer func() { s.mu.Lock(); s.flight--; s.mu.Unlock() }()
	if last { // nothing is read after the last piece: nobody waits for it
		return s.Store.AppendUpload(ctx, p, data, last)
	}
	s.started <- n
	select {
	case <-s.release:
	case <-time.After(10 * time.Second): // a guard: a core that never reads ahead would wait here
		return p, errors.New("not released: the next piece was never read while this one was appended")
	}
	if n == s.fail {
		return p, errAppend
	}
	return s.Store.AppendUpload(ctx, p, data, last)
}

// aheadReader is a PATCH body that, before it gives the bytes of the piece after the first,
// waits until that first piece's append has started, then lets it finish: the next piece is
// read while the first is appended.
type aheadReader struct {
	data  []byte
	part  int
	off   int
	s     *pipelineStore
	ahead bool // a piece was read while the one before it was being appended
}

func (r *aheadReader) Read(p []byte) (int, error) {
	if r.off >= len(r.data) {
		return 0, io.EOF
	}
	if r.off > 0 && r.off%r.part == 0 {
		// The start of a new piece: the previous one's append is under way.
		<-r.s.started
		r.s.mu.Lock()
		r.ahead = r.ahead || r.s.flight == 1
		r.s.mu.Unlock()
		r.s.release <- struct{}{}
	}
	n := copy(p, r.data[r.off:min(len(r.data), r.off+r.part-r.off%r.part)])
	r.off += n
	return n, nil
}

func newPipeline(t *testing.T, fail int) (*domain.Uploads, *pipelineStore, porttest.Header) {
	t.Helper()
	s := &pipelineStore{Store: memstore.New(), started: make(chan int, 16), release: make(chan struct{}, 16), fail: fail, buffers: map[*byte]bool{}}
	u, err := domain.NewUploads(newService(t, s, system.Clock{}, system.UUIDs{}), s, domain.UploadConfig{MaxBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	return u, s, porttest.Header{"x-cdn-authorization": "Bearer " + cdnClient, "authorization": "Bearer " + authClient}
}

// TestPatchPipeline: a PATCH of several parts appends one part while it reads the next (one
// append in flight at most, two buffers of a part at most) and completes the upload whole; a
// failed append stops the PATCH at the offset the store kept, answered as storage's failure.
func TestPatchPipeline(t *testing.T) {
	for _, tt := range []struct {
		name       string
		fail       int
		wantOffset int64
		wantCode   string
	}{
		{"whole", 0, 4 * memstore.UploadPartSize, ""},
		{"the second append fails", 2, memstore.UploadPartSize, domain.EStorage},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u, s, h := newPipeline(t, tt.fail)
			part := memstore.UploadPartSize
			data := bytes.Repeat([]byte("0123456789abcdef"), 4*part/16)
			create := porttest.Header{"upload-length": strconv.Itoa(len(data))}
			for k, v := range h {
				create[k] = v
			}
			res, err := u.Upload(context.Background(), ports.UploadRequest{Method: "POST", Header: create})
			if err != nil {
				t.Fatal(err)
			}
			patch := porttest.Header{"upload-offset": "0", "content-type": domain.PatchContentType, "content-length": strconv.Itoa(len(data))}
			for k, v := range h {
				patch[k] = v
			}
			body := &aheadReader{data: data, part: part, s: s}
			got, err := u.Upload(context.Background(), ports.UploadRequest{Method: "PATCH", ID: res.ID, Header: patch, Body: body})
			if domain.ErrorCode(err) != tt.wantCode || got.Offset != tt.wantOffset {
				t.Errorf("PATCH: offset %d, %v; want %d, %q", got.Offset, err, tt.wantOffset, tt.wantCode)
			}
			if !body.ahead {
				t.Error("no piece was read while the one before it was appended")
			}
			if s.most != 1 || len(s.buffers) > 2 {
				t.Errorf("%d appends in flight at most, %d buffers; want 1 and at most 2", s.most, len(s.buffers))
			}
			if tt.wantCode == "" && !got.Done {
				t.Errorf("the upload is not complete: %+v", got)
			}
		})
	}
}
