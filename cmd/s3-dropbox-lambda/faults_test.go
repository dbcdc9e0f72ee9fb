package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl"
	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl/funcurltest"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// The bounds below ("within the invocation's deadline", 3 s) are measured over a real MinIO
// behind a fault proxy: a bound is the property checked (an answer in time, not after a
// timeout far longer), kept deliberately in these fault tests, unlike unit tests, which wait on
// signals.

// fakeS3 is an S3 endpoint whose next answers a test chooses. It keeps the objects of the
// PUTs it accepts, so that a test can list what was stored.
type fakeS3 struct {
	*httptest.Server
	mu      sync.Mutex
	mode    string
	objects map[string][]byte
}

// Fault modes of fakeS3.
const (
	modeOK       = "ok"
	modeReset    = "reset" // the connection is reset, no answer
	modeSlow     = "slow"  // no answer until the client gives up
	mode500      = "500"
	mode503      = "503 SlowDown"
	mode403      = "403 AccessDenied"
	modeNoBucket = "404 NoSuchBucket"
)

func newFakeS3(t *testing.T) *fakeS3 {
	f := &fakeS3{mode: modeOK, objects: map[string][]byte{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeS3) set(mode string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mode = mode
}

func (f *fakeS3) keys() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var k []string
	for key := range f.objects {
		k = append(k, key)
	}
	return k
}

func (f *fakeS3) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	mode := f.mode
	f.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	xmlErr := func(status int, code string) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>`+code+`</Code><Message>injected</Message><RequestId>fake</RequestId></Error>`)
	}
	switch mode {
	case modeOK:
		f.mu.Lock()
		f.objects[r.URL.Path] = body
		f.mu.Unlock()
		w.Header().Set("ETag", `"fake"`)
	case modeReset:
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.(*net.TCPConn).SetLinger(0)
			conn.Close()
		}
	case modeSlow:
		select {
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
	case mode500:
		xmlErr(500, "InternalError")
	case mode503:
		xmlErr(503, "SlowDown")
	case mode403:
		xmlErr(403, "AccessDenied")
	case modeNoBucket:
		xmlErr(404, "NoSuchBucket")
	}
}

// TestStorageFaults: with the real SDK against a fake S3, each fault gives a 5xx with its
// clear message within the invocation's deadline; the next request, the fault gone, is served
// normally by the same handler. A refusal from S3 (503 SlowDown, 403, 404) is definite: 503,
// "not stored", and nothing is. A 500 InternalError (which may follow a committed write), or no
// answer (a reset after the request was sent, or none before the deadline), leaves the outcome
// unknown: 504, which never says "not stored".
func TestStorageFaults(t *testing.T) {
	fake := newFakeS3(t)
	env(t, miniotest.Server{Endpoint: fake.URL, AccessKey: "AKIDFAKE", SecretKey: "fake", Region: "us-east-1"}, "bucket")
	var logs bytes.Buffer
	h := handler(t, &logs)
	const deadline = 3 * time.Second
	const notStored = "The payload was not stored: storage is unavailable. Please retry later"
	const unknown = "The payload may or may not have been stored: storage gave no definite answer. A retry may store it twice; send an Idempotency-Key header to make retries safe"

	tests := []struct {
		mode   string
		status int
		body   string
	}{
		{mode500, 504, unknown}, // InternalError may follow a committed write
		{mode503, 503, notStored},
		{mode403, 503, notStored},
		{modeNoBucket, 503, notStored},
		{modeReset, 504, unknown},
		{modeSlow, 504, unknown},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			fake.set(tt.mode)
			before := len(fake.keys())
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			start := time.Now()
			resp, err := h.Handle(ctx, funcurltest.Event(t, "plain"))
			took := time.Since(start)
			if err != nil || resp.StatusCode != tt.status || resp.Body != tt.body || resp.Headers["Retry-After"] == "" {
				t.Errorf("got %d %q %v, %v; want %d %q with Retry-After", resp.StatusCode, resp.Body, resp.Headers, err, tt.status, tt.body)
			}
			if took >= deadline {
				t.Errorf("answered after %v, not within the invocation's %v", took, deadline)
			}
			if n := len(fake.keys()); n != before {
				t.Errorf("%d objects after the fault, want %d", n, before)
			}

			fake.set(modeOK)
			resp, _ = h.Handle(context.Background(), funcurltest.Event(t, "plain"))
			if resp.StatusCode != 202 || len(fake.keys()) != before+1 {
				t.Errorf("after the fault: status %d and %d objects, want 202 and %d", resp.StatusCode, len(fake.keys()), before+1)
			}
		})
	}
	if n := strings.Count(logs.String(), `"outcome":"not_stored"`) + strings.Count(logs.String(), `"outcome":"unknown"`); n != len(tests) {
		t.Errorf("%d failures logged, want %d", n, len(tests))
	}
}

// TestConnectionRefused: nothing listens at the endpoint.
func TestConnectionRefused(t *testing.T) {
	endpoint := "http://" + porttest.FreeAddr(t)
	env(t, miniotest.Server{Endpoint: endpoint, AccessKey: "AKIDFAKE", SecretKey: "fake", Region: "us-east-1"}, "bucket")
	h := handler(t, &bytes.Buffer{})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	// Nothing was ever sent: the answer can say "not stored".
	if resp, _ := h.Handle(ctx, funcurltest.Event(t, "plain")); resp.StatusCode != 503 || !strings.Contains(resp.Body, "not stored") {
		t.Errorf("got %d %q, want 503 saying not stored", resp.StatusCode, resp.Body)
	}
}

// TestMinIOStoppedMidRun: real MinIO is killed between two drops and started again; the drop
// in between is a 5xx within the deadline, the next is stored, and the bucket holds exactly the
// two that were accepted. The 5xx is a 503 when no attempt could connect, and a 504 (outcome
// unknown) when the first attempt went out on the kept-alive connection that the kill broke:
// from the client's side, a server killed after it stored the object looks the same.
func TestMinIOStoppedMidRun(t *testing.T) {
	own := miniotest.StartOwn(t)
	client := own.Client(t)
	bucket := own.NewBucket(t, client)
	env(t, own.Server, bucket)
	h := handler(t, &bytes.Buffer{})

	if resp, _ := h.Handle(context.Background(), funcurltest.Event(t, "plain")); resp.StatusCode != 202 {
		t.Fatalf("before the stop: status %d, want 202", resp.StatusCode)
	}
	own.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	if resp, _ := h.Handle(ctx, funcurltest.Event(t, "unicode")); (resp.StatusCode != 503 && resp.StatusCode != 504) || time.Since(start) >= 3*time.Second {
		t.Errorf("MinIO down: status %d after %v, want 503 or 504 within 3s", resp.StatusCode, time.Since(start))
	}
	own.Start()
	if resp, _ := h.Handle(context.Background(), funcurltest.Event(t, "base64")); resp.StatusCode != 202 {
		t.Errorf("MinIO back: status %d, want 202", resp.StatusCode)
	}
	objects := miniotest.Objects(t, client, bucket)
	var bodies []string
	for _, b := range objects {
		bodies = append(bodies, string(b))
	}
	if len(objects) != 2 || !strings.Contains(strings.Join(bodies, "|"), "hello, dropbox") || !strings.Contains(strings.Join(bodies, "|"), "t-101") {
		t.Errorf("bucket holds %q, want exactly the two accepted drops", bodies)
	}
}

// TestLostAnswersMinIO: drops whose PutObjects MinIO acts on while their answers are lost,
// through the Function URL handler, the core, the S3 store and the real SDK. Each case holds
// the two promises: a 202 is the whole payload stored once; an answer that says "not stored"
// comes only when the payload is not stored; a 504 says the outcome is unknown, and the retry
// with the same Idempotency-Key (the answers no longer lost) stores nothing twice.
func TestLostAnswersMinIO(t *testing.T) {
	srv := miniotest.Require(t)
	once := func(_ string, attempt int) bool { return attempt == 1 }
	always := func(string, int) bool { return true }
	payloads := func(key string, _ int) bool { return !strings.HasPrefix(key, domain.RecordPrefix) }
	records := func(key string, _ int) bool { return strings.HasPrefix(key, domain.RecordPrefix) }
	tests := []struct {
		name        string
		idemKey     bool
		lose        func(key string, attempt int) bool
		status      int
		stored      bool // the payload is stored after the first request
		retryReplay bool // with a key: the retry finds it stored
	}{
		{"no key, lost once", false, once, 202, true, false},
		{"no key, lost every time", false, always, 504, true, false},
		{"key, every write's answer lost once", true, once, 202, true, true},
		{"key, the payload's answers all lost", true, payloads, 504, true, true},
		{"key, the record's answers all lost", true, records, 202, true, true}, // the claim is read back: its own
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain := srv.Client(t)
			bucket := srv.NewBucket(t, plain)
			losing := true
			lossy := &miniotest.LosingTransport{Lose: func(key string, attempt int) bool { return losing && tt.lose(key, attempt) }}
			core := facetest.Core(t, s3store.New(srv.ClientWith(t, lossy), bucket), func(c *domain.Config) { c.CDNHeader = "X-CDN-Authorization" })
			h := funcurl.New(core, httpface.NewRecorder(slog.New(slog.NewJSONHandler(io.Discard, nil)), ""))
			ev := funcurltest.Event(t, "plain")
			if tt.idemKey {
				ev.Headers["idempotency-key"] = "lost-answers-1"
			}

			resp, _ := h.Handle(context.Background(), ev)
			if lossy.Lost() == 0 {
				t.Fatal("no answer was lost: the test tests nothing")
			}
			objects := payloadObjects(t, plain, bucket)
			if resp.StatusCode != tt.status || (len(objects) == 1) != tt.stored {
				t.Fatalf("first request: %d %q with %d payloads stored; want %d, stored %v", resp.StatusCode, resp.Body, len(objects), tt.status, tt.stored)
			}
			if tt.stored && strings.Contains(resp.Body, "not stored") {
				t.Errorf("the payload is stored, yet the answer says %q", resp.Body)
			}
			if len(objects) > 1 || (len(objects) == 1 && objects[0] != "hello, dropbox") {
				t.Fatalf("bucket holds %q, want the whole payload at most once", objects)
			}
			if !tt.idemKey {
				return
			}
			losing = false
			resp, _ = h.Handle(context.Background(), ev)
			if resp.StatusCode != 202 || (resp.Headers["Idempotent-Replayed"] == "true") != tt.retryReplay {
				t.Errorf("retry: %d %v, want 202, replayed %v", resp.StatusCode, resp.Headers, tt.retryReplay)
			}
			if objects := payloadObjects(t, plain, bucket); len(objects) != 1 || objects[0] != "hello, dropbox" {
				t.Errorf("after the retry the bucket holds %q, want the payload once", objects)
			}
		})
	}
}

// payloadObjects returns the bodies of the bucket's objects but the idempotency records.
func payloadObjects(t *testing.T, c *s3.Client, bucket string) []string {
	t.Helper()
	var got []string
	for k, b := range miniotest.Objects(t, c, bucket) {
		if !strings.HasPrefix(k, domain.RecordPrefix) {
			got = append(got, string(b))
		}
	}
	return got
}
