package s3store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/s3script"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
	"github.com/s3-dropbox/s3-dropbox/ports/storetest"
)

// TestContractMinIO runs the store contract against real MinIO.
func TestContractMinIO(t *testing.T) { storetest.Run(t, minioHarness(t)) }

// TestIdempotencyMinIO runs the Idempotency-Key contract against real MinIO, whose
// conditional writes are S3's.
func TestIdempotencyMinIO(t *testing.T) { storetest.RunIdempotency(t, minioHarness(t)) }

// minioHarness returns a maker of stores, each over a new bucket of the shared MinIO.
func minioHarness(t *testing.T) func(t *testing.T) storetest.Harness {
	srv := miniotest.Require(t)
	client := srv.Client(t)
	return func(t *testing.T) storetest.Harness {
		bucket := srv.NewBucket(t, client)
		return storetest.Harness{
			Store: s3store.New(client, bucket),
			Keys:  func(t *testing.T) []string { return miniotest.Keys(t, client, bucket) },
		}
	}
}

// fakeS3 answers every request with status and an S3 error document of code, and records
// the requests it saw.
func fakeS3(t *testing.T, status int, code string) (*s3store.Store, *atomic.Int32, *atomic.Value) {
	t.Helper()
	var calls atomic.Int32
	var last atomic.Value
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		last.Store(r.Header.Clone())
		if status >= 300 {
			s3script.WriteError(w, status, code)
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
	}))
	t.Cleanup(ts.Close)
	srv := miniotest.Server{Endpoint: ts.URL, AccessKey: "AKIDFAKE", SecretKey: "fake-secret", Region: "us-east-1"}
	return s3store.New(srv.Client(t), "bucket"), &calls, &last
}

// TestPutRequest: PutObject is create-only and carries the length.
func TestPutRequest(t *testing.T) {
	store, calls, last := fakeS3(t, http.StatusOK, "")
	if err := store.Create(context.Background(), ports.Object{Key: "k", Data: []byte("hello")}); err != nil {
		t.Fatal(err)
	}
	h := last.Load().(http.Header)
	if got := h.Get("If-None-Match"); got != "*" {
		t.Errorf("If-None-Match = %q, want *", got)
	}
	if got := h.Get("Content-Length"); got != "5" && h.Get("X-Amz-Decoded-Content-Length") != "5" {
		t.Errorf("Content-Length = %q, want 5", got)
	}
	if calls.Load() != 1 {
		t.Errorf("%d requests, want 1", calls.Load())
	}
}

// TestCreateErrors maps S3's answers to the port's outcomes: a refusal or a 4xx is definite;
// a 5xx that is not a refusal may follow a committed write (AWS: "a PUT that returns
// InternalError ... a subsequent GET might retrieve the old value or the updated value"), so it
// is ErrUnknown.
func TestCreateErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		code   string
		want   error // nil: a definite failure with no sentinel
	}{
		{"exists", http.StatusPreconditionFailed, "PreconditionFailed", ports.ErrExists},
		{"concurrent", http.StatusConflict, "ConditionalRequestConflict", ports.ErrConcurrent},
		{"bad digest", http.StatusBadRequest, "BadDigest", ports.ErrChecksum},
		{"denied", http.StatusForbidden, "AccessDenied", nil},
		{"no bucket", http.StatusNotFound, "NoSuchBucket", nil},
		{"slow down", http.StatusServiceUnavailable, "SlowDown", nil},
		{"internal (may follow a committed write)", http.StatusInternalServerError, "InternalError", ports.ErrUnknown},
		{"unavailable", http.StatusServiceUnavailable, "ServiceUnavailable", ports.ErrUnknown},
		{"operation aborted", http.StatusConflict, "OperationAborted", ports.ErrConcurrent},
	}
	sentinels := []error{ports.ErrExists, ports.ErrConcurrent, ports.ErrChecksum, ports.ErrNotFound, ports.ErrVersion, ports.ErrUnknown}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, _, _ := fakeS3(t, tt.status, tt.code)
			err := store.Create(context.Background(), ports.Object{Key: "k", Data: []byte("x")})
			if err == nil {
				t.Fatal("Create succeeded, want an error")
			}
			for _, s := range sentinels {
				if got, want := errors.Is(err, s), s == tt.want; got != want {
					t.Errorf("errors.Is(%v, %v) = %v, want %v", err, s, got, want)
				}
			}
		})
	}
}

// TestReplaceErrors: a 412 to If-Match is another version, a 404 NoSuchKey no object.
func TestReplaceErrors(t *testing.T) {
	for _, tt := range []struct {
		status int
		code   string
		want   error
	}{
		{http.StatusPreconditionFailed, "PreconditionFailed", ports.ErrVersion},
		{http.StatusNotFound, "NoSuchKey", ports.ErrNotFound},
	} {
		store, _, last := fakeS3(t, tt.status, tt.code)
		err := store.Replace(context.Background(), ports.Object{Key: "k", Data: []byte("x")}, `"v1"`)
		if !errors.Is(err, tt.want) || errors.Is(err, ports.ErrUnknown) {
			t.Errorf("%d %s: %v, want %v alone", tt.status, tt.code, err, tt.want)
		}
		if got := last.Load().(http.Header).Get("If-Match"); got != `"v1"` {
			t.Errorf("If-Match = %q, want the ETag", got)
		}
	}
}

// TestLostAnswersMinIO: PutObjects that MinIO acts on, whose answers are lost, through the
// real SDK and its retries. Lost once: the SDK's retry gets 412, which Create reports as
// ErrExists joined with ErrUnknown (its own earlier attempt wrote it). Lost every time:
// ErrUnknown, and the object is there, whole. A lost answer is never a definite failure.
func TestLostAnswersMinIO(t *testing.T) {
	srv := miniotest.Require(t)
	ctx := context.Background()
	tests := []struct {
		name       string
		lose       func(key string, attempt int) bool
		wantExists bool
	}{
		{"lost once", func(_ string, attempt int) bool { return attempt == 1 }, true},
		{"lost every time", func(string, int) bool { return true }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lossy := &miniotest.LosingTransport{Lose: tt.lose}
			plain := srv.Client(t)
			bucket := srv.NewBucket(t, plain)
			store := s3store.New(srv.ClientWith(t, lossy), bucket)
			data := []byte("the whole payload")
			err := store.Create(ctx, ports.Object{Key: "k", Data: data, SHA256: sha256.Sum256(data)})
			if !errors.Is(err, ports.ErrUnknown) || errors.Is(err, ports.ErrExists) != tt.wantExists {
				t.Errorf("Create: %v; want ErrUnknown, and ErrExists %v", err, tt.wantExists)
			}
			if lossy.Lost() == 0 {
				t.Fatal("no answer was lost: the test tests nothing")
			}
			got, err := s3store.New(plain, bucket).Get(ctx, "k")
			if err != nil || !bytes.Equal(got.Data, data) || got.SHA256 != sha256.Sum256(data) {
				t.Errorf("Get: %q %x, %v; want the whole object with its SHA-256", got.Data, got.SHA256, err)
			}
			if keys := miniotest.Keys(t, plain, bucket); len(keys) != 1 {
				t.Errorf("bucket holds %v, want one object", keys)
			}
		})
	}
	t.Run("replace lost once", func(t *testing.T) {
		plain := srv.Client(t)
		bucket := srv.NewBucket(t, plain)
		if err := s3store.New(plain, bucket).Create(ctx, ports.Object{Key: "r", Data: []byte("v1")}); err != nil {
			t.Fatal(err)
		}
		v1, err := s3store.New(plain, bucket).Get(ctx, "r")
		if err != nil {
			t.Fatal(err)
		}
		lossy := &miniotest.LosingTransport{Lose: func(_ string, attempt int) bool { return attempt == 1 }}
		err = s3store.New(srv.ClientWith(t, lossy), bucket).Replace(ctx, ports.Object{Key: "r", Data: []byte("v2")}, v1.ETag)
		if !errors.Is(err, ports.ErrVersion) || !errors.Is(err, ports.ErrUnknown) {
			t.Errorf("Replace: %v; want ErrVersion joined with ErrUnknown", err)
		}
		if got, _ := s3store.New(plain, bucket).Get(ctx, "r"); string(got.Data) != "v2" {
			t.Errorf("object %q, want v2 (the lost attempt's)", got.Data)
		}
	})
}

// TestNothingSentIsDefinite: a connection that cannot be made sends nothing: the failure is
// definite, never ErrUnknown.
func TestNothingSentIsDefinite(t *testing.T) {
	endpoint := "http://" + porttest.FreeAddr(t)
	srv := miniotest.Server{Endpoint: endpoint, AccessKey: "AKIDFAKE", SecretKey: "fake", Region: "us-east-1"}
	err := s3store.New(srv.Client(t), "bucket").Create(context.Background(), ports.Object{Key: "k", Data: []byte("x")})
	if err == nil || errors.Is(err, ports.ErrUnknown) {
		t.Errorf("Create to a closed port: %v, want a definite error", err)
	}
}

// TestAttemptsProve: what each attempt of the SDK's retries proves is kept for the call: a
// 412 after a 500 or a 503 that is not a refusal is the call's own write (ErrExists with
// ErrUnknown); after refusals (503 SlowDown) it is another's object (ErrExists alone); a call
// whose attempts all failed is unknown if any may have written.
func TestAttemptsProve(t *testing.T) {
	type answer struct {
		status int
		code   string
	}
	slow := answer{http.StatusServiceUnavailable, "SlowDown"}
	internal := answer{http.StatusInternalServerError, "InternalError"}
	unavailable := answer{http.StatusServiceUnavailable, "ServiceUnavailable"}
	exists := answer{http.StatusPreconditionFailed, "PreconditionFailed"}
	tests := []struct {
		name    string
		answers []answer
		want    []error // the sentinels the error is; every other is not
	}{
		{"500, then 412", []answer{internal, exists}, []error{ports.ErrExists, ports.ErrUnknown}},
		{"503 ServiceUnavailable, then 412", []answer{unavailable, exists}, []error{ports.ErrExists, ports.ErrUnknown}},
		{"SlowDown, then 412", []answer{slow, exists}, []error{ports.ErrExists}},
		{"SlowDown three times", []answer{slow, slow, slow}, nil},
		{"500, then SlowDown twice", []answer{internal, slow, slow}, []error{ports.ErrUnknown}},
	}
	sentinels := []error{ports.ErrExists, ports.ErrConcurrent, ports.ErrChecksum, ports.ErrNotFound, ports.ErrVersion, ports.ErrUnknown}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				a := tt.answers[min(int(n.Add(1))-1, len(tt.answers)-1)]
				s3script.WriteError(w, a.status, a.code)
			}))
			t.Cleanup(ts.Close)
			srv := miniotest.Server{Endpoint: ts.URL, AccessKey: "AKIDFAKE", SecretKey: "fake-secret", Region: "us-east-1"}
			err := s3store.New(srv.Client(t), "bucket").Create(context.Background(), ports.Object{Key: "k", Data: []byte("x")})
			if err == nil {
				t.Fatal("Create succeeded, want an error")
			}
			if got := int(n.Load()); got != len(tt.answers) {
				t.Fatalf("%d attempts, want %d: the SDK's retries changed", got, len(tt.answers))
			}
			for _, s := range sentinels {
				want := false
				for _, w := range tt.want {
					want = want || w == s
				}
				if got := errors.Is(err, s); got != want {
					t.Errorf("errors.Is(%v, %v) = %v, want %v", err, s, got, want)
				}
			}
			if !strings.Contains(err.Error(), tt.answers[len(tt.answers)-1].code) {
				t.Errorf("error %v does not name the last answer's code: its document was not read whole", err)
			}
		})
	}
}
