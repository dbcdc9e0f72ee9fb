package storetest

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// UploadHarness is a store under test that keeps uploads too.
type UploadHarness struct {
	Harness
	Uploads ports.UploadStore
	// Filename returns the file name kept with the object under key.
	Filename func(t *testing.T, key string) string
}

// uploadLimit is the Upload-Length limit of the upload contract's core.
const uploadLimit = 64 << 20

// visible returns the keys a consumer of drops sees: none under a hidden prefix.
func visible(t *testing.T, h Harness) []string {
	t.Helper()
	var keys []string
	for _, k := range h.Keys(t) {
		if !strings.HasPrefix(k, ".") {
			keys = append(keys, k)
		}
	}
	return keys
}

// payload returns n bytes that differ from one offset to the next.
func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// RunUploads runs the upload contract against stores made by newHarness: the store's own
// (append, complete create-only, abort) and the core's over it (the tus rules).
func RunUploads(t *testing.T, newHarness func(t *testing.T) UploadHarness) {
	t.Run("StoreRoundTrip", func(t *testing.T) { testUploadRoundTrip(t, newHarness(t)) })
	t.Run("StoreAppendFromEarlierProgress", func(t *testing.T) { testAppendOver(t, newHarness(t)) })
	t.Run("StoreCompleteCreateOnly", func(t *testing.T) { testCompleteCreateOnly(t, newHarness(t)) })
	t.Run("StoreCompleteWrongSHA256", func(t *testing.T) { testCompleteWrongSHA(t, newHarness(t)) })
	t.Run("StoreEmptyAndAbort", func(t *testing.T) { testEmptyAndAbort(t, newHarness(t)) })
	t.Run("StorePartsAhead", func(t *testing.T) { testPartsAhead(t, newHarness(t)) })
	t.Run("Core", func(t *testing.T) { testUploadCore(t, newHarness) })
}

// appendAll appends data in pieces of at most size bytes, from p.
func appendAll(t *testing.T, s ports.UploadStore, p ports.UploadProgress, data []byte, size int, total int64) ports.UploadProgress {
	t.Helper()
	for len(data) > 0 {
		n := min(size, len(data))
		var err error
		p, err = s.AppendUpload(context.Background(), p, data[:n], p.Size+int64(n) == total)
		if err != nil {
			t.Fatalf("AppendUpload at %d: %v", p.Size, err)
		}
		data = data[n:]
	}
	return p
}

func uploadObject(key string, data []byte) ports.UploadObject {
	return ports.UploadObject{Key: key, ContentType: "text/csv", Client: "alice", Filename: "exports/mai 2026 (é).csv",
		Size: int64(len(data)), SHA256: sha256.Sum256(data)}
}

func wantObject(t *testing.T, h UploadHarness, key string, data []byte) {
	t.Helper()
	o, err := h.Store.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	if !bytes.Equal(o.Data, data) {
		t.Errorf("object %s holds %d bytes, not the %d uploaded", key, len(o.Data), len(data))
	}
	if o.SHA256 != sha256.Sum256(data) {
		t.Errorf("object %s keeps SHA-256 %x, want %x", key, o.SHA256, sha256.Sum256(data))
	}
}

func testUploadRoundTrip(t *testing.T, h UploadHarness) {
	ctx := context.Background()
	part := h.Uploads.UploadPartSize()
	data := payload(2*part + part/3)
	p, err := h.Uploads.BeginUpload(ctx, uploadObject("up/2026-01-02T03:04:05.000000-a", nil))
	if err != nil {
		t.Fatal(err)
	}
	// Small pieces first, as PATCHes through a Function URL are, then whole parts.
	p = appendAll(t, h.Uploads, p, data[:part/2], part/7, int64(len(data)))
	p = appendAll(t, h.Uploads, p, data[part/2:], part, int64(len(data)))
	if got := visible(t, h.Harness); len(got) != 0 {
		t.Fatalf("before completion, consumers see %q", got)
	}
	obj := uploadObject("up/2026-01-02T03:04:05.000000-a", data)
	if err := h.Uploads.CompleteUpload(ctx, p, obj); err != nil {
		t.Fatalf("CompleteUpload: %v", err)
	}
	wantObject(t, h, obj.Key, data)
	o, _ := h.Store.Get(ctx, obj.Key)
	if o.ContentType != obj.ContentType || o.Client != obj.Client {
		t.Errorf("object keeps content type %q and client %q, want %q and %q", o.ContentType, o.Client, obj.ContentType, obj.Client)
	}
	if got := h.Filename(t, obj.Key); got != obj.Filename {
		t.Errorf("file name %q, want %q", got, obj.Filename)
	}
	if got := visible(t, h.Harness); len(got) != 1 || got[0] != obj.Key {
		t.Errorf("after completion, consumers see %q, want only %s", got, obj.Key)
	}
}

// testPartsAhead: a ports.PartWriter writes parts ahead of the progress, out of order and at
// once, and AddPart takes them in order into a progress whose completion is the object; a part
// written again replaces the first; a part off its place is refused. Stores that are not
// PartWriters skip it.
func testPartsAhead(t *testing.T, h UploadHarness) {
	pw, ok := h.Uploads.(ports.PartWriter)
	if !ok {
		t.Skip("the store writes no part ahead of its progress (not a ports.PartWriter)")
	}
	ctx := context.Background()
	part := h.Uploads.UploadPartSize()
	data := payload(3*part + part/2)
	key := "up/2026-01-02T03:04:05.000000-parts"
	p, err := h.Uploads.BeginUpload(ctx, uploadObject(key, nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pw.WritePart(ctx, p, int64(part/2), data[part/2:part*3/2], false); err == nil {
		t.Error("WritePart off a part's place: want an error")
	}
	if _, err := pw.WritePart(ctx, p, 0, data[:part/2], false); err == nil {
		t.Error("WritePart of less than a part, not the last: want an error")
	}
	pieces := make([]ports.UploadPart, 4)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := 3; i >= 0; i-- { // the last first, all at once
		wg.Add(1)
		go func() {
			defer wg.Done()
			end := min((i+1)*part, len(data))
			piece := data[i*part : end]
			if i == 1 { // written once with other bytes, then again below
				piece = bytes.Repeat([]byte("x"), part)
			}
			pieces[i], errs[i] = pw.WritePart(ctx, p, int64(i*part), piece, end == len(data))
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("WritePart: %v", err)
	}
	if pieces[1], err = pw.WritePart(ctx, p, int64(part), data[part:2*part], false); err != nil {
		t.Fatalf("WritePart again: %v", err)
	}
	if _, err := pw.AddPart(p, pieces[1], data[part:2*part]); err == nil {
		t.Error("AddPart of the second part to an empty progress: want an error")
	}
	for i, pt := range pieces {
		if p, err = pw.AddPart(p, pt, data[i*part:min((i+1)*part, len(data))]); err != nil {
			t.Fatalf("AddPart %d: %v", i, err)
		}
	}
	if p.Size != int64(len(data)) {
		t.Fatalf("progress holds %d bytes, want %d", p.Size, len(data))
	}
	if got := visible(t, h.Harness); len(got) != 0 {
		t.Fatalf("before completion, consumers see %q", got)
	}
	if err := h.Uploads.CompleteUpload(ctx, p, uploadObject(key, data)); err != nil {
		t.Fatalf("CompleteUpload: %v", err)
	}
	wantObject(t, h, key, data)
}

func testAppendOver(t *testing.T, h UploadHarness) {
	ctx := context.Background()
	part := h.Uploads.UploadPartSize()
	data := payload(3 * part)
	p0, err := h.Uploads.BeginUpload(ctx, uploadObject("over", nil))
	if err != nil {
		t.Fatal(err)
	}
	p1 := appendAll(t, h.Uploads, p0, data[:part], part, int64(len(data)))
	// A piece appended and never kept (its PATCH's state write failed), then another from p1.
	if _, err := h.Uploads.AppendUpload(ctx, p1, bytes.Repeat([]byte("x"), part), false); err != nil {
		t.Fatal(err)
	}
	p2 := appendAll(t, h.Uploads, p1, data[part:], part, int64(len(data)))
	obj := uploadObject("over", data)
	if err := h.Uploads.CompleteUpload(ctx, p2, obj); err != nil {
		t.Fatalf("CompleteUpload: %v", err)
	}
	wantObject(t, h, "over", data)
}

func testCompleteCreateOnly(t *testing.T, h UploadHarness) {
	ctx := context.Background()
	data := payload(1000)
	p, _ := h.Uploads.BeginUpload(ctx, uploadObject("once", nil))
	p = appendAll(t, h.Uploads, p, data, 1000, 1000)
	obj := uploadObject("once", data)
	if err := h.Uploads.CompleteUpload(ctx, p, obj); err != nil {
		t.Fatal(err)
	}
	if err := h.Uploads.CompleteUpload(ctx, p, obj); !errors.Is(err, ports.ErrExists) {
		t.Errorf("a second completion: %v, want ports.ErrExists", err)
	}
	// Another upload onto a taken key stores nothing over it.
	other := payload(10)
	q, _ := h.Uploads.BeginUpload(ctx, uploadObject("once", nil))
	q = appendAll(t, h.Uploads, q, other, 10, 10)
	if err := h.Uploads.CompleteUpload(ctx, q, uploadObject("once", other)); !errors.Is(err, ports.ErrExists) {
		t.Errorf("completion onto a taken key: %v, want ports.ErrExists", err)
	}
	wantObject(t, h, "once", data)
	if got := visible(t, h.Harness); len(got) != 1 {
		t.Errorf("consumers see %q, want one object", got)
	}
}

func testCompleteWrongSHA(t *testing.T, h UploadHarness) {
	ctx := context.Background()
	data := payload(5000)
	p, _ := h.Uploads.BeginUpload(ctx, uploadObject("wrong", nil))
	p = appendAll(t, h.Uploads, p, data, 5000, 5000)
	obj := uploadObject("wrong", data)
	obj.SHA256[0] ^= 1
	err := h.Uploads.CompleteUpload(ctx, p, obj)
	if err == nil || errors.Is(err, ports.ErrUnknown) {
		t.Fatalf("completion with a wrong SHA-256: %v, want a definite refusal", err)
	}
	if got := visible(t, h.Harness); len(got) != 0 {
		t.Errorf("after a refused completion, consumers see %q", got)
	}
}

func testEmptyAndAbort(t *testing.T, h UploadHarness) {
	ctx := context.Background()
	p, err := h.Uploads.BeginUpload(ctx, uploadObject("empty", nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Uploads.CompleteUpload(ctx, p, uploadObject("empty", nil)); err != nil {
		t.Fatalf("an empty upload's completion: %v", err)
	}
	wantObject(t, h, "empty", nil)
	q, _ := h.Uploads.BeginUpload(ctx, uploadObject("aborted", nil))
	q = appendAll(t, h.Uploads, q, payload(300), 300, 600)
	for i := range 2 {
		if err := h.Uploads.AbortUpload(ctx, q); err != nil {
			t.Errorf("abort %d: %v", i+1, err)
		}
	}
	if got := visible(t, h.Harness); len(got) != 1 {
		t.Errorf("after an abort, consumers see %q, want the empty object alone", got)
	}
}

// uploadCore is the upload use-case over a harness, with two clients.
type uploadCore struct {
	h     UploadHarness
	u     *domain.Uploads
	clock *porttest.Clock
}

func newUploadCore(t *testing.T, h UploadHarness) *uploadCore {
	t.Helper()
	clock := porttest.NewClock(time.Date(2026, 12, 6, 4, 0, 0, 0, time.UTC))
	svc, err := domain.New(domain.Config{
		CDNHeader:     "x-cdn",
		CDNTokens:     []domain.Credential{credential("cdn", cdnToken)},
		AuthTokens:    []domain.Credential{credential("alice", aliceToken), credential("bob", bobToken)},
		KeyPrefix:     "drops/",
		DatePartition: true,
	}, h.Store, clock, &porttest.IDs{})
	if err != nil {
		t.Fatal(err)
	}
	u, err := domain.NewUploads(svc, h.Uploads, domain.UploadConfig{MaxBytes: uploadLimit, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return &uploadCore{h: h, u: u, clock: clock}
}

func (c *uploadCore) do(token, method, id string, hdr porttest.Header, body io.Reader) (ports.UploadResult, error) {
	h := porttest.Header{"x-cdn": "Bearer " + cdnToken, "authorization": "Bearer " + token}
	for k, v := range hdr {
		h[k] = v
	}
	return c.u.Upload(context.Background(), ports.UploadRequest{Method: method, ID: id, Header: h, Body: body})
}

func (c *uploadCore) create(t *testing.T, token string, length int) string {
	t.Helper()
	res, err := c.do(token, "POST", "", porttest.Header{"upload-length": fmt.Sprint(length),
		"upload-metadata": "filename " + base64.StdEncoding.EncodeToString([]byte("report.csv")) + ",filetype " + base64.StdEncoding.EncodeToString([]byte("text/csv"))}, nil)
	if err != nil {
		t.Fatalf("creation: %v", err)
	}
	return res.ID
}

func (c *uploadCore) patch(token, id string, offset int, body []byte, extra porttest.Header) (ports.UploadResult, error) {
	h := porttest.Header{"content-type": domain.PatchContentType, "upload-offset": fmt.Sprint(offset), "content-length": fmt.Sprint(len(body))}
	for k, v := range extra {
		h[k] = v
	}
	return c.do(token, "PATCH", id, h, bytes.NewReader(body))
}

// offset asserts the upload's offset, as HEAD says it.
func (c *uploadCore) offset(t *testing.T, id string, want int64) {
	t.Helper()
	res, err := c.do(aliceToken, "HEAD", id, nil, nil)
	if err != nil || res.Offset != want {
		t.Fatalf("HEAD: offset %d, %v; want %d", res.Offset, err, want)
	}
}

// cutReader gives n bytes of data, then fails as a client gone.
type cutReader struct {
	r io.Reader
}

func (c cutReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	if err == io.EOF {
		return n, &domain.Error{Code: domain.EClientGone, Message: "gone"}
	}
	return n, err
}

// blockingReader gives its first bytes, then waits for release before its end.
type blockingReader struct {
	first   []byte
	started chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blockingReader) Read(p []byte) (int, error) {
	if len(b.first) > 0 {
		n := copy(p, b.first)
		b.first = b.first[n:]
		return n, nil
	}
	b.once.Do(func() { close(b.started) })
	<-b.release
	return 0, io.EOF
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := domain.ErrorCode(err); got != code {
		t.Errorf("%s: %v (%q), want %q", what, err, got, code)
	}
}

func testUploadCore(t *testing.T, newHarness func(t *testing.T) UploadHarness) {
	t.Run("WholeInParts", func(t *testing.T) { testUploadWholeInParts(t, newHarness) })
	t.Run("Refusals", func(t *testing.T) { testUploadRefusals(t, newHarness) })
	t.Run("InterruptedKeepsWhatArrived", func(t *testing.T) { testUploadInterruptedKeepsWhatArrived(t, newHarness) })
	t.Run("OnePatchAtATime", func(t *testing.T) { testUploadOnePatchAtATime(t, newHarness) })
	t.Run("LeaseEnds", func(t *testing.T) { testUploadLeaseEnds(t, newHarness) })
	t.Run("TerminationAndExpiry", func(t *testing.T) { testUploadTerminationAndExpiry(t, newHarness) })
}

// testUploadWholeInParts is the upload contract's WholeInParts case.
func testUploadWholeInParts(t *testing.T, newHarness func(t *testing.T) UploadHarness) {
	c := newUploadCore(t, newHarness(t))
	part := c.h.Uploads.UploadPartSize()
	data := payload(2*part + 12345)
	id := c.create(t, aliceToken, len(data))
	// PATCHes that do not fall on part boundaries.
	for off, step := 0, part/3+1; off < len(data); off += step {
		end := min(off+step, len(data))
		res, err := c.patch(aliceToken, id, off, data[off:end], nil)
		if err != nil || res.Offset != int64(end) {
			t.Fatalf("PATCH at %d: offset %d, %v; want %d", off, res.Offset, err, end)
		}
		if end < len(data) {
			if got := visible(t, c.h.Harness); len(got) != 0 {
				t.Fatalf("at offset %d of %d, consumers see %q", end, len(data), got)
			}
		} else if !res.Done || !strings.HasPrefix(res.Key, "drops/dt=2026-12-06/2026-12-06T04:00:00.000000-") {
			t.Fatalf("the last PATCH: %+v; want done, under the drops' layout with the creation time", res)
		}
	}
	keys := visible(t, c.h.Harness)
	if len(keys) != 1 {
		t.Fatalf("consumers see %q, want one object", keys)
	}
	wantObject(t, c.h, keys[0], data)
	o, _ := c.h.Store.Get(context.Background(), keys[0])
	if o.ContentType != "text/csv" || o.Client != "alice" || c.h.Filename(t, keys[0]) != "report.csv" {
		t.Errorf("object: content type %q, client %q, file name %q; want text/csv, alice, report.csv", o.ContentType, o.Client, c.h.Filename(t, keys[0]))
	}
	c.offset(t, id, int64(len(data)))
	// The last PATCH again (its answer lost): answered as done, nothing more stored.
	if res, err := c.patch(aliceToken, id, len(data), nil, nil); err != nil || !res.Done {
		t.Errorf("an empty PATCH at the end of a complete upload: %+v, %v", res, err)
	}
	if got := visible(t, c.h.Harness); len(got) != 1 {
		t.Errorf("consumers see %q, want one object", got)
	}
}

// testUploadRefusals is the upload contract's Refusals case.
func testUploadRefusals(t *testing.T, newHarness func(t *testing.T) UploadHarness) {
	c := newUploadCore(t, newHarness(t))
	data := payload(1000)
	id := c.create(t, aliceToken, len(data))
	tests := []struct {
		name   string
		token  string
		method string
		offset int
		body   []byte
		hdr    porttest.Header
		code   string
	}{
		{"another client's HEAD", bobToken, "HEAD", 0, nil, nil, domain.EUploadNotFound},
		{"another client's PATCH", bobToken, "PATCH", 0, data[:10], nil, domain.EUploadNotFound},
		{"another client's DELETE", bobToken, "DELETE", 0, nil, nil, domain.EUploadNotFound},
		{"a wrong offset", aliceToken, "PATCH", 5, data[5:10], nil, domain.EUploadOffset},
		{"past the length", aliceToken, "PATCH", 0, payload(1001), nil, domain.ETooLarge},
		{"a wrong sha256", aliceToken, "PATCH", 0, data[:10], porttest.Header{"upload-checksum": "sha256 " + base64.StdEncoding.EncodeToString(make([]byte, 32))}, domain.EUploadChecksum},
		{"a wrong crc32c", aliceToken, "PATCH", 0, data[:10], porttest.Header{"upload-checksum": "crc32c AAAAAA=="}, domain.EUploadChecksum},
		{"a crc32c of another size", aliceToken, "PATCH", 0, data[:10], porttest.Header{"upload-checksum": "crc32c " + base64.StdEncoding.EncodeToString(make([]byte, 32))}, domain.EBadUpload},
		{"an unknown algorithm", aliceToken, "PATCH", 0, data[:10], porttest.Header{"upload-checksum": "md5 AAAAAAAAAAAAAAAAAAAAAA=="}, domain.EBadUpload},
		{"another content type", aliceToken, "PATCH", 0, data[:10], porttest.Header{"content-type": "application/octet-stream"}, domain.EUploadMediaType},
	}
	for _, tt := range tests {
		var err error
		if tt.method == "PATCH" {
			_, err = c.patch(tt.token, id, tt.offset, tt.body, tt.hdr)
		} else {
			_, err = c.do(tt.token, tt.method, id, nil, nil)
		}
		wantCode(t, tt.name, err, tt.code)
	}
	// Past the length with no content-length (chunked): found at the end, nothing kept.
	_, err := c.do(aliceToken, "PATCH", id, porttest.Header{"content-type": domain.PatchContentType, "upload-offset": "0"}, bytes.NewReader(payload(1001)))
	wantCode(t, "past the length, chunked", err, domain.ETooLarge)
	c.offset(t, id, 0)
	_, err = c.do(aliceToken, "POST", "", porttest.Header{"upload-length": fmt.Sprint(uploadLimit + 1)}, nil)
	wantCode(t, "an Upload-Length over the limit", err, domain.ETooLarge)
	_, err = c.do(aliceToken, "HEAD", "00000000-0000-4000-8000-999999999999", nil, nil)
	wantCode(t, "an unknown upload", err, domain.EUploadNotFound)
	_, err = c.do("wrong", "HEAD", id, nil, nil)
	wantCode(t, "a wrong token", err, domain.EUnauthorizedAuth)
	// A right checksum of each algorithm is kept.
	s256, s1 := sha256.Sum256(data[:400]), sha1.Sum(data[700:1000])
	c32 := binary.BigEndian.AppendUint32(nil, crc32.Checksum(data[400:700], crc32.MakeTable(crc32.Castagnoli)))
	if _, err := c.patch(aliceToken, id, 0, data[:400], porttest.Header{"upload-checksum": "sha256 " + base64.StdEncoding.EncodeToString(s256[:])}); err != nil {
		t.Fatalf("a PATCH with its sha256: %v", err)
	}
	if _, err := c.patch(aliceToken, id, 400, data[400:700], porttest.Header{"upload-checksum": "crc32c " + base64.StdEncoding.EncodeToString(c32)}); err != nil {
		t.Fatalf("a PATCH with its crc32c: %v", err)
	}
	if res, err := c.patch(aliceToken, id, 700, data[700:], porttest.Header{"upload-checksum": "sha1 " + base64.StdEncoding.EncodeToString(s1[:])}); err != nil || !res.Done {
		t.Fatalf("a PATCH with its sha1: %+v, %v", res, err)
	}
	keys := visible(t, c.h.Harness)
	if len(keys) != 1 {
		t.Fatalf("consumers see %q, want one object", keys)
	}
	wantObject(t, c.h, keys[0], data)
}

// testUploadInterruptedKeepsWhatArrived is the upload contract's InterruptedKeepsWhatArrived case.
func testUploadInterruptedKeepsWhatArrived(t *testing.T, newHarness func(t *testing.T) UploadHarness) {
	c := newUploadCore(t, newHarness(t))
	part := c.h.Uploads.UploadPartSize()
	data := payload(part + 5000)
	id := c.create(t, aliceToken, len(data))
	cut := part/2 + 17
	_, err := c.do(aliceToken, "PATCH", id, porttest.Header{"content-type": domain.PatchContentType, "upload-offset": "0",
		"content-length": fmt.Sprint(len(data))}, cutReader{bytes.NewReader(data[:cut])})
	wantCode(t, "a cut PATCH", err, domain.EClientGone)
	c.offset(t, id, int64(cut))
	// With an Upload-Checksum, a cut body keeps nothing: it cannot be checked.
	sum := sha256.Sum256(data[cut:])
	_, err = c.do(aliceToken, "PATCH", id, porttest.Header{"content-type": domain.PatchContentType, "upload-offset": fmt.Sprint(cut),
		"upload-checksum": "sha256 " + base64.StdEncoding.EncodeToString(sum[:])}, cutReader{bytes.NewReader(data[cut : cut+100])})
	wantCode(t, "a cut PATCH with a checksum", err, domain.EClientGone)
	c.offset(t, id, int64(cut))
	if res, err := c.patch(aliceToken, id, cut, data[cut:], nil); err != nil || !res.Done {
		t.Fatalf("the resume: %+v, %v", res, err)
	}
	wantObject(t, c.h, visible(t, c.h.Harness)[0], data)
}

// testUploadOnePatchAtATime is the upload contract's OnePatchAtATime case.
func testUploadOnePatchAtATime(t *testing.T, newHarness func(t *testing.T) UploadHarness) {
	c := newUploadCore(t, newHarness(t))
	data := payload(3000)
	id := c.create(t, aliceToken, len(data))
	br := &blockingReader{first: data[:1000], started: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := c.do(aliceToken, "PATCH", id, porttest.Header{"content-type": domain.PatchContentType, "upload-offset": "0"}, br)
		done <- err
	}()
	<-br.started
	_, err := c.patch(aliceToken, id, 0, data[:2000], nil)
	wantCode(t, "a second PATCH at once", err, domain.EUploadLocked)
	_, err = c.do(aliceToken, "DELETE", id, nil, nil)
	wantCode(t, "a DELETE during a PATCH", err, domain.EUploadLocked)
	close(br.release)
	if err := <-done; err != nil {
		t.Fatalf("the first PATCH: %v", err)
	}
	c.offset(t, id, 1000)
	if res, err := c.patch(aliceToken, id, 1000, data[1000:], nil); err != nil || !res.Done {
		t.Fatalf("the rest: %+v, %v", res, err)
	}
	wantObject(t, c.h, visible(t, c.h.Harness)[0], data)
}

// testUploadLeaseEnds is the upload contract's LeaseEnds case.
func testUploadLeaseEnds(t *testing.T, newHarness func(t *testing.T) UploadHarness) {
	c := newUploadCore(t, newHarness(t))
	data := payload(3000)
	id := c.create(t, aliceToken, len(data))
	// A PATCH that outlives its lease (its server stalled) keeps nothing once another took over.
	stale := &blockingReader{first: bytes.Repeat([]byte("z"), 1000), started: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := c.do(aliceToken, "PATCH", id, porttest.Header{"content-type": domain.PatchContentType, "upload-offset": "0"}, stale)
		done <- err
	}()
	<-stale.started
	c.clock.Advance(domain.DefaultUploadLease + time.Second)
	if res, err := c.patch(aliceToken, id, 0, data, nil); err != nil || !res.Done {
		t.Fatalf("a PATCH after the lease: %+v, %v", res, err)
	}
	close(stale.release)
	if err := <-done; err == nil {
		t.Errorf("the stale PATCH succeeded; want it refused")
	}
	keys := visible(t, c.h.Harness)
	if len(keys) != 1 {
		t.Fatalf("consumers see %q, want one object", keys)
	}
	wantObject(t, c.h, keys[0], data)
	c.offset(t, id, int64(len(data)))
}

// testUploadTerminationAndExpiry is the upload contract's TerminationAndExpiry case.
func testUploadTerminationAndExpiry(t *testing.T, newHarness func(t *testing.T) UploadHarness) {
	c := newUploadCore(t, newHarness(t))
	id := c.create(t, aliceToken, 100)
	if _, err := c.patch(aliceToken, id, 0, payload(50), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.do(aliceToken, "DELETE", id, nil, nil); err != nil {
		t.Fatalf("DELETE: %v", err)
	}
	_, err := c.do(aliceToken, "HEAD", id, nil, nil)
	wantCode(t, "HEAD after DELETE", err, domain.EUploadNotFound)
	id2 := c.create(t, aliceToken, 100)
	c.clock.Advance(time.Hour)
	_, err = c.patch(aliceToken, id2, 0, payload(100), nil)
	wantCode(t, "PATCH after expiry", err, domain.EUploadNotFound)
	id3 := c.create(t, aliceToken, 0)
	res, err := c.do(aliceToken, "HEAD", id3, nil, nil)
	if err != nil || !res.Done {
		t.Fatalf("an empty upload: %+v, %v; want complete at creation", res, err)
	}
	_, err = c.do(aliceToken, "DELETE", id3, nil, nil)
	wantCode(t, "DELETE of a complete upload", err, domain.EUploadComplete)
	if got := visible(t, c.h.Harness); len(got) != 1 {
		t.Errorf("consumers see %q, want the empty upload's object alone", got)
	}
}
