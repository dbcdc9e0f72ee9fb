package domain_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/adapters/system"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// appendOnly is a memory store that writes no part ahead of its progress (no
// ports.PartWriter): every piece is appended by AppendUpload.
type appendOnly struct {
	ports.ObjectStore
	ports.ETagReplacer
	ports.UploadStore
}

func newAppendOnly() appendOnly {
	m := memstore.New()
	return appendOnly{m, m, m}
}

// pipelineStore is a store that appends only, whose appends but the last tell the test when
// they start, wait for its word to finish, and may fail; it counts the appends in flight and
// the buffers it is given.
type pipelineStore struct {
	appendOnly
	started chan int      // the append's number, as it starts
	release chan struct{} // one value lets one append finish
	fail    int           // the append (1-based) that fails; 0: none
	writes
}

var errAppend = errors.New("storage unavailable")

// writes counts a store's writes of pieces: in all, in flight, the most in flight at once, and
// the buffers they were given.
type writes struct {
	mu      sync.Mutex
	n       int
	flight  int
	most    int
	buffers map[*byte]bool
}

// enter counts a write of data; it returns its number, and leave, to call when it ends.
func (w *writes) enter(data []byte) (n int, leave func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.n++
	w.flight++
	w.most = max(w.most, w.flight)
	if w.buffers == nil {
		w.buffers = map[*byte]bool{}
	}
	w.buffers[&data[:1][0]] = true
	return w.n, func() { w.mu.Lock(); w.flight--; w.mu.Unlock() }
}

func (s *pipelineStore) AppendUpload(ctx context.Context, p ports.UploadProgress, data []byte, last bool) (ports.UploadProgress, error) {
	n, leave := s.enter(data)
	defer leave()
	if last { // nothing is read after the last piece: nobody waits for it
		return s.appendOnly.AppendUpload(ctx, p, data, last)
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
	return s.appendOnly.AppendUpload(ctx, p, data, last)
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
	s := &pipelineStore{appendOnly: newAppendOnly(), started: make(chan int, 16), release: make(chan struct{}, 16), fail: fail}
	u, err := domain.NewUploads(newService(t, s, system.Clock{}, system.UUIDs{}), s, domain.UploadConfig{MaxBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	return u, s, porttest.Header{"x-cdn-authorization": "Bearer " + cdnClient, "authorization": "Bearer " + authClient}
}

// TestPatchReadsWhileItAppends: into a store that appends only, a PATCH of several parts
// appends one part while it reads the next (one append in flight at most, two buffers of a
// part at most) and completes the upload whole; a failed append stops the PATCH at the offset
// the store kept, answered as storage's failure.
func TestPatchReadsWhileItAppends(t *testing.T) {
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

// gatedParts is a memory store whose parts written ahead (WritePart) but the last wait until
// the test opens its gate; the fail-th part of the upload (1-based; 0: none) then fails, once. It
// counts the parts in flight and the buffers it is given.
type gatedParts struct {
	*memstore.Store
	started chan int
	open    chan struct{}
	fail    int
	writes
}

func (s *gatedParts) WritePart(ctx context.Context, p ports.UploadProgress, off int64, data []byte, last bool) (ports.UploadPart, error) {
	n, leave := s.enter(data)
	defer leave()
	if !last {
		s.started <- n
		select {
		case <-s.open:
		case <-time.After(10 * time.Second): // a guard: a core that keeps fewer parts in flight would wait here
			return ports.UploadPart{}, errors.New("the gate never opened: fewer parts were in flight at once than were lent")
		}
	}
	s.mu.Lock()
	fail := off/int64(len(data)) == int64(s.fail-1) && !last
	if fail {
		s.fail = 0 // once
	}
	s.mu.Unlock()
	if fail {
		return ports.UploadPart{}, errAppend
	}
	return s.Store.WritePart(ctx, p, off, data, last)
}

// lender is an Admission that lends a PATCH up to parts parts at once (ports.PartLender).
type lender struct {
	mu    sync.Mutex
	parts int
	lent  int
}

func (l *lender) Admit(context.Context, string) (func(), error) { return func() {}, nil }

func (l *lender) Borrow() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lent >= l.parts {
		return false
	}
	l.lent++
	return true
}

func (l *lender) Return() { l.mu.Lock(); l.lent--; l.mu.Unlock() }

// TestPatchWritesPartsAtOnce: into a store that writes parts ahead of its progress, a PATCH
// keeps one part in flight and one more for each part its admission lends it, up to
// MaxPartsInFlight (never more buffers than those and the one it reads), returns every part
// lent, and completes the upload whole; a failed part stops the PATCH at the parts before it,
// those after it not kept, and a resume from there stores the upload whole.
func TestPatchWritesPartsAtOnce(t *testing.T) {
	part := memstore.UploadPartSize
	for _, tt := range []struct {
		name       string
		lends      int
		fail       int
		wantFlight int
		wantOffset int64
		wantCode   string
	}{
		{"three lent: four parts at once", 3, 0, 4, 6 * int64(part), ""},
		{"more lent than the bound", 99, 0, domain.MaxPartsInFlight, 6 * int64(part), ""},
		{"none lent: one part while one is read", 0, 0, 1, 6 * int64(part), ""},
		{"the second part fails", 3, 2, 4, int64(part), domain.EStorage},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &gatedParts{Store: memstore.New(), started: make(chan int, 16), open: make(chan struct{}), fail: tt.fail}
			u, data, id := newUploadOf(t, s, 6*part)
			go func() {
				for range tt.wantFlight {
					<-s.started // as many parts as the window holds, in flight at once
				}
				close(s.open)
			}()
			adm := &lender{parts: tt.lends}
			got, err := patchUpload(u, id, 0, bytes.NewReader(data), adm)
			if domain.ErrorCode(err) != tt.wantCode || got.Offset != tt.wantOffset {
				t.Fatalf("PATCH: offset %d, %v; want %d, %q", got.Offset, err, tt.wantOffset, tt.wantCode)
			}
			if s.most != tt.wantFlight || len(s.buffers) > tt.wantFlight+1 {
				t.Errorf("%d parts in flight at most, %d buffers; want %d and at most %d", s.most, len(s.buffers), tt.wantFlight, tt.wantFlight+1)
			}
			if tt.wantCode != "" {
				if got, err = patchUpload(u, id, got.Offset, bytes.NewReader(data[got.Offset:]), adm); err != nil {
					t.Fatalf("resume: %v", err)
				}
			}
			if !got.Done {
				t.Fatalf("the upload is not complete: %+v", got)
			}
			if adm.lent != 0 {
				t.Errorf("%d parts lent not returned", adm.lent)
			}
			if obj, err := s.Get(context.Background(), got.Key); err != nil || !bytes.Equal(obj.Data, data) {
				t.Errorf("stored %d bytes (%v); want the %d bytes sent", len(obj.Data), err, len(data))
			}
		})
	}
}

// newUploadOf returns the upload use-case over the store s, n bytes that differ from one
// offset to the next, and an upload created for them.
func newUploadOf(t *testing.T, s interface {
	ports.ObjectStore
	ports.UploadStore
}, n int) (*domain.Uploads, []byte, string) {
	t.Helper()
	u, err := domain.NewUploads(newService(t, s, system.Clock{}, system.UUIDs{}), s, domain.UploadConfig{MaxBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(i % 251)
	}
	return u, data, createUpload(t, u, n)
}

// createUpload creates an upload of length bytes with the test's tokens and returns its id.
func createUpload(t *testing.T, u *domain.Uploads, length int) string {
	t.Helper()
	h := porttest.Header{"x-cdn-authorization": "Bearer " + cdnClient, "authorization": "Bearer " + authClient, "upload-length": strconv.Itoa(length)}
	res, err := u.Upload(context.Background(), ports.UploadRequest{Method: "POST", Header: h})
	if err != nil {
		t.Fatal(err)
	}
	return res.ID
}

// patchUpload sends body as a PATCH at offset, admitted by adm (nil: none).
func patchUpload(u *domain.Uploads, id string, offset int64, body io.Reader, adm ports.Admission) (ports.UploadResult, error) {
	h := porttest.Header{"x-cdn-authorization": "Bearer " + cdnClient, "authorization": "Bearer " + authClient,
		"upload-offset": strconv.FormatInt(offset, 10), "content-type": domain.PatchContentType}
	return u.Upload(context.Background(), ports.UploadRequest{Method: "PATCH", ID: id, Header: h, Body: body, Admission: adm})
}

// pausedBody is a PATCH body that gives pause parts quickly, then one byte, then pauses: in
// its next read it waits until every write in flight has ended (synctest.Wait) and gives one
// byte; in the read after the pause it records the parts still lent.
type pausedBody struct {
	data  []byte
	pause int // the offset it pauses at
	off   int
	adm   *lender
	held  int // parts lent during the pause; -1: not reached
}

func (b *pausedBody) Read(p []byte) (int, error) {
	if b.off >= len(b.data) {
		return 0, io.EOF
	}
	end := len(b.data)
	if b.off < b.pause {
		end = b.pause
	}
	if b.off == b.pause && b.held < 0 {
		synctest.Wait() // blocked in this read, as on a slow link, while the parts are written
		b.adm.mu.Lock()
		b.held = b.adm.lent
		b.adm.mu.Unlock()
	}
	n := copy(p, b.data[b.off:end])
	b.off += n
	return n, nil
}

// TestPausedPatchReturnsLentParts: the parts lent to a PATCH go back once they are written,
// not when the PATCH next needs room nor when its body's next bytes arrive: a body that
// pauses in a read after three parts holds none lent during the pause (other clients wait for
// lent bytes), and the upload completes whole.
func TestPausedPatchReturnsLentParts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		part := memstore.UploadPartSize
		s := memstore.New()
		u, data, id := newUploadOf(t, s, 6*part)
		adm := &lender{parts: 3}
		body := &pausedBody{data: data, pause: 3 * part, adm: adm, held: -1}
		got, err := patchUpload(u, id, 0, body, adm)
		if err != nil || !got.Done {
			t.Fatalf("PATCH: %+v, %v; want the upload complete", got, err)
		}
		if body.held != 0 {
			t.Errorf("%d parts lent while the body paused after the parts were written; want 0", body.held)
		}
		if obj, err := s.Get(context.Background(), got.Key); err != nil || !bytes.Equal(obj.Data, data) {
			t.Errorf("stored %d bytes (%v); want the %d bytes sent", len(obj.Data), err, len(data))
		}
	})
}
