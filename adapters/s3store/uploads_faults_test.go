package s3store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// uploadFaults are what the fault proxy does to the requests of an upload: every answer lost
// (closed or reset) before or after MinIO acted, 500 before or after, 503 SlowDown, 409.
var uploadFaults = []miniotest.Fault{miniotest.LostBefore, miniotest.LostAfter, miniotest.ResetBefore, miniotest.ResetAfter,
	miniotest.Error500Before, miniotest.Error500After, miniotest.SlowDown, miniotest.Conflict}

// errCrash is a store call after the process "died": it was not made.
var errCrash = errors.New("the process stopped before this call")

// crashing wraps a store: each request may stop at a step (the step's call made, or not),
// after which none of its calls is made, as when its process dies between two steps.
type crashing struct {
	*s3store.Store
	mu      sync.Mutex
	at      int  // the step of this request at which it stops; 0: none
	after   bool // the call at the step is made before the stop
	step    int
	crashed bool
	parts   int // WriteParts in flight
	most    int // the most at once
}

func (c *crashing) begin(at int, after bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at, c.after, c.step, c.crashed = at, after, 0, false
}

// call runs f unless the request has stopped, or stops at this step.
func (c *crashing) call(f func() error) error {
	c.mu.Lock()
	if c.crashed {
		c.mu.Unlock()
		return errCrash
	}
	c.step++
	stop := c.step == c.at
	c.crashed = stop
	after := c.after
	c.mu.Unlock()
	if stop && !after {
		return errCrash
	}
	err := f()
	if stop {
		return errCrash
	}
	return err
}

func (c *crashing) Create(ctx context.Context, obj ports.Object) error {
	return c.call(func() error { return c.Store.Create(ctx, obj) })
}

func (c *crashing) Replace(ctx context.Context, obj ports.Object, etag string) error {
	return c.call(func() error { return c.Store.Replace(ctx, obj, etag) })
}

func (c *crashing) ReplaceETag(ctx context.Context, obj ports.Object, etag string) (e string, err error) {
	err = c.call(func() error { e, err = c.Store.ReplaceETag(ctx, obj, etag); return err })
	return e, err
}

func (c *crashing) Get(ctx context.Context, key string) (o ports.Object, err error) {
	err = c.call(func() error { o, err = c.Store.Get(ctx, key); return err })
	return o, err
}

func (c *crashing) BeginUpload(ctx context.Context, obj ports.UploadObject) (p ports.UploadProgress, err error) {
	err = c.call(func() error { p, err = c.Store.BeginUpload(ctx, obj); return err })
	return p, err
}

func (c *crashing) AppendUpload(ctx context.Context, p ports.UploadProgress, data []byte, last bool) (q ports.UploadProgress, err error) {
	err = c.call(func() error { q, err = c.Store.AppendUpload(ctx, p, data, last); return err })
	return q, err
}

func (c *crashing) WritePart(ctx context.Context, p ports.UploadProgress, off int64, data []byte, last bool) (pt ports.UploadPart, err error) {
	c.mu.Lock()
	c.parts++
	c.most = max(c.most, c.parts)
	c.mu.Unlock()
	defer func() { c.mu.Lock(); c.parts--; c.mu.Unlock() }()
	err = c.call(func() error { pt, err = c.Store.WritePart(ctx, p, off, data, last); return err })
	return pt, err
}

func (c *crashing) CompleteUpload(ctx context.Context, p ports.UploadProgress, obj ports.UploadObject) error {
	return c.call(func() error { return c.Store.CompleteUpload(ctx, p, obj) })
}

// TestUploadFaultsMinIO uploads 11 MiB through the upload use-case and s3store to MinIO (up
// to three parts of a PATCH at once),
// behind a fault proxy that meets a quarter of the requests (create, part, pending bytes,
// complete, tag, state) with a fault, while a fifth of the requests stop at a random step, as a
// process that dies between two steps; a client resumes as tus clients do (HEAD, then PATCH
// from the offset) until the upload is complete. Then the bucket holds exactly one object,
// whole, with its SHA-256, whatever the seed: 20 seeds, from FAULT_SEED (printed).
func TestUploadFaultsMinIO(t *testing.T) {
	srv := miniotest.Require(t)
	base := miniotest.FaultSeed(t)
	plain := srv.Client(t)
	most := 0
	for i := range uint64(20) {
		seed := base + i
		t.Run(fmt.Sprint("seed-", seed), func(t *testing.T) { most = max(most, uploadUnderFaults(t, srv, plain, seed)) })
	}
	if most < 2 {
		t.Errorf("at most %d part in flight at once in 20 seeds: the faults never met parts written together", most)
	}
}

// uploadUnderFaults runs one seed, and returns the most parts that were in flight at once.
func uploadUnderFaults(t *testing.T, srv miniotest.Server, plain *s3.Client, seed uint64) int {
	bucket := srv.NewBucket(t, plain)
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, 27))
	faultsOn := true
	proxy := miniotest.NewFaultProxy(t, srv.Endpoint, func(r *http.Request) miniotest.Fault {
		mu.Lock()
		defer mu.Unlock()
		if !faultsOn || rng.Float64() >= 0.25 {
			return miniotest.Pass
		}
		return uploadFaults[rng.IntN(len(uploadFaults))]
	})
	client := miniotest.Server{Endpoint: proxy.URL, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Region: srv.Region}.QuickClient(t)
	store := &crashing{Store: s3store.New(client, bucket)}
	clock := porttest.NewClock(time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC))
	u := faultUploads(t, store, clock)
	data := bytes.Repeat([]byte(fmt.Sprintf("seed %d. ", seed)), (11<<20)/10)
	do := func(method, id string, hdr porttest.Header, body []byte) (ports.UploadResult, error) {
		mu.Lock()
		crash := rng.Float64() < 0.2
		at, after := rng.IntN(8)+1, rng.IntN(2) == 0
		mu.Unlock()
		if crash {
			store.begin(at, after)
		} else {
			store.begin(0, false)
		}
		h := porttest.Header{"x-cdn": "Bearer cdn-token", "authorization": "Bearer alice-token"}
		for k, v := range hdr {
			h[k] = v
		}
		var r *bytes.Reader
		if body != nil {
			r = bytes.NewReader(body)
		}
		req := ports.UploadRequest{Method: method, ID: id, Header: h, Admission: lendAlways{}}
		if r != nil {
			req.Body = r
		}
		res, err := u.Upload(context.Background(), req)
		if err != nil {
			clock.Advance(domain.DefaultUploadLease + time.Second) // a lock a stopped request held ends
		}
		return res, err
	}
	chunk := func() int {
		mu.Lock()
		defer mu.Unlock()
		return []int{3 << 20, 4 << 20, 5 << 20, 6 << 20, 16 << 20}[rng.IntN(5)]
	}
	if !uploadResuming(t, do, data, chunk) {
		t.Fatalf("the upload did not complete in 300 tries; faults %v", proxy.Counts())
	}
	mu.Lock()
	faultsOn = false
	mu.Unlock()
	wantOneUpload(t, plain, bucket, data, proxy.Counts())
	return store.most
}

// lendAlways is an admission that lends a PATCH every part it asks for (ports.PartLender):
// parts of a longer PATCH go to S3 several at once.
type lendAlways struct{}

func (lendAlways) Admit(context.Context, string) (func(), error) { return func() {}, nil }
func (lendAlways) Borrow() bool                                  { return true }
func (lendAlways) Return()                                       {}

// faultUploads returns the upload use-case of alice over store, at clock.
func faultUploads(t *testing.T, store *crashing, clock *porttest.Clock) *domain.Uploads {
	t.Helper()
	svc, err := domain.New(domain.Config{
		CDNHeader:  "x-cdn",
		CDNTokens:  []domain.Credential{{Name: "cdn", Digest: sha256.Sum256([]byte("cdn-token"))}},
		AuthTokens: []domain.Credential{{Name: "alice", Digest: sha256.Sum256([]byte("alice-token"))}},
	}, store, clock, &porttest.IDs{})
	if err != nil {
		t.Fatal(err)
	}
	u, err := domain.NewUploads(svc, store, domain.UploadConfig{MaxBytes: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// uploadResuming creates an upload of data through do and sends it as tus clients do (HEAD,
// then a PATCH of chunk() bytes from the offset), and says whether it completed in 300 tries.
func uploadResuming(t *testing.T, do func(method, id string, hdr porttest.Header, body []byte) (ports.UploadResult, error), data []byte, chunk func() int) bool {
	t.Helper()
	var id string
	for tries := 0; id == "" && tries < 50; tries++ {
		if res, err := do("POST", "", porttest.Header{"upload-length": fmt.Sprint(len(data))}, nil); err == nil {
			id = res.ID
		}
	}
	if id == "" {
		t.Fatal("no creation succeeded in 50 tries")
	}
	for tries := 0; tries < 300; tries++ {
		head, err := do("HEAD", id, nil, nil)
		if err != nil {
			continue
		}
		if head.Done {
			return true
		}
		end := min(int(head.Offset)+chunk(), len(data))
		res, err := do("PATCH", id, porttest.Header{"content-type": domain.PatchContentType, "upload-offset": fmt.Sprint(head.Offset),
			"content-length": fmt.Sprint(end - int(head.Offset))}, data[head.Offset:end])
		if err == nil && res.Done {
			return true
		}
	}
	return false
}

// wantOneUpload checks that consumers of bucket see one object, data, with its SHA-256.
func wantOneUpload(t *testing.T, plain *s3.Client, bucket string, data []byte, faults any) {
	t.Helper()
	var visible []string
	for _, k := range miniotest.Keys(t, plain, bucket) {
		if !strings.HasPrefix(k, ".") {
			visible = append(visible, k)
		}
	}
	if len(visible) != 1 {
		t.Fatalf("the bucket holds %q, want one object; faults %v", visible, faults)
	}
	o, err := s3store.New(plain, bucket).Get(context.Background(), visible[0])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(o.Data, data) || o.SHA256 != sha256.Sum256(data) {
		t.Errorf("the object holds %d bytes (SHA-256 %x), want the %d uploaded (%x); faults %v", len(o.Data), o.SHA256, len(data), sha256.Sum256(data), faults)
	}
}
