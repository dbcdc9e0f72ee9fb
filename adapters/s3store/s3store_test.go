package s3store_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/adapters/storetest"
	"github.com/s3-dropbox/s3-dropbox/ports"
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
			Get:   func(t *testing.T, key string) (ports.Object, bool) { return miniotest.Object(t, client, bucket, key) },
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
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		if status >= 300 {
			w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>` + code + `</Code><Message>fake</Message><RequestId>r1</RequestId></Error>`))
		}
	}))
	t.Cleanup(ts.Close)
	srv := miniotest.Server{Endpoint: ts.URL, AccessKey: "AKIDFAKE", SecretKey: "fake-secret", Region: "us-east-1"}
	return s3store.New(srv.Client(t), "bucket"), &calls, &last
}

// TestPutRequest: PutObject is create-only and carries the length.
func TestPutRequest(t *testing.T) {
	store, calls, last := fakeS3(t, http.StatusOK, "")
	if err := store.Put(context.Background(), ports.Object{Key: "k", Data: []byte("hello")}); err != nil {
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

// TestPutErrors maps S3's answers to the port's errors.
func TestPutErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		code     string
		wantCode string
	}{
		{"exists", http.StatusPreconditionFailed, "PreconditionFailed", ports.EConflict},
		{"denied", http.StatusForbidden, "AccessDenied", ports.EInternal},
		{"no bucket", http.StatusNotFound, "NoSuchBucket", ports.EInternal},
		{"slow down", http.StatusServiceUnavailable, "SlowDown", ports.EInternal},
		{"internal", http.StatusInternalServerError, "InternalError", ports.EInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, _, _ := fakeS3(t, tt.status, tt.code)
			err := store.Put(context.Background(), ports.Object{Key: "k", Data: []byte("x")})
			if err == nil {
				t.Fatal("Put succeeded, want an error")
			}
			if got := ports.ErrorCode(err); got != tt.wantCode {
				t.Errorf("code = %q, want %q (%v)", got, tt.wantCode, err)
			}
		})
	}
}
