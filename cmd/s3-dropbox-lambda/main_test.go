package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl"
	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl/funcurltest"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/wiring"
)

// env sets the original's variables for the test tokens and bucket, on top of srv's S3 ones.
func env(t *testing.T, srv miniotest.Server, bucket string) {
	t.Helper()
	srv.Env(t)
	t.Setenv("BUCKET", bucket)
	t.Setenv("AUTH_TOKEN", domain.TokenDigest(facetest.AuthToken))
	t.Setenv("CDN_TOKEN", domain.TokenDigest(facetest.CDNToken))
	t.Setenv("CDN_TOKEN_HTTP_HEADER_NAME", "X-CDN-Authorization")
}

func handler(t *testing.T, logs *bytes.Buffer) *funcurl.Handler {
	t.Helper()
	h, err := wiring.LambdaHandler(context.Background(), logs)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestEndToEndMinIO: the handler as main builds it, from the environment, into a real bucket.
func TestEndToEndMinIO(t *testing.T) {
	srv := miniotest.Require(t)
	client := srv.Client(t)
	bucket := srv.NewBucket(t, client)
	env(t, srv, bucket)
	var logs bytes.Buffer
	h := handler(t, &logs)

	want := map[string]string{
		"plain":   "hello, dropbox",
		"base64":  `{"sensor":"t-101","celsius":21.5}`,
		"unicode": "Grüße aus Köln — 東京 🚀\n",
	}
	for name := range want {
		resp, err := h.Handle(context.Background(), funcurltest.Event(t, name))
		if err != nil || resp.StatusCode != 202 || resp.Headers["Content-Type"] != "text/plain" || resp.Body != "" {
			t.Fatalf("%s: %+v, %v; want 202 text/plain with an empty body", name, resp, err)
		}
	}
	for _, name := range []string{"absent-body", "bad-base64", "get"} {
		if resp, _ := h.Handle(context.Background(), funcurltest.Event(t, name)); resp.StatusCode < 400 || resp.StatusCode > 499 {
			t.Errorf("%s: status %d, want 4xx", name, resp.StatusCode)
		}
	}
	objects := miniotest.Objects(t, client, bucket)
	if len(objects) != len(want) {
		t.Fatalf("bucket holds %d objects, want %d", len(objects), len(want))
	}
	got := map[string]bool{}
	for k, v := range objects {
		if !facetest.KeyPattern.MatchString(k) {
			t.Errorf("key %q has not the original's format", k)
		}
		got[string(v)] = true
	}
	for name, body := range want {
		if !got[body] {
			t.Errorf("%s: payload %q not in the bucket", name, body)
		}
	}
	for _, secret := range []string{facetest.AuthToken, facetest.CDNToken, "hello, dropbox", "t-101"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("logs hold a token or payload %q", secret)
		}
	}
}

// TestConcurrentDropsMinIO: 200 drops at once make 200 distinct keys, every body intact.
func TestConcurrentDropsMinIO(t *testing.T) {
	srv := miniotest.Require(t)
	client := srv.Client(t)
	bucket := srv.NewBucket(t, client)
	env(t, srv, bucket)
	h := handler(t, &bytes.Buffer{})

	const n = 200
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range n {
		wg.Go(func() {
			ev := funcurltest.Event(t, "base64")
			payload := fmt.Sprintf("drop %03d %s", i, strings.Repeat("x", i*40))
			b := base64.StdEncoding.EncodeToString([]byte(payload))
			ev.Body = &b
			ev.Headers["content-length"] = strconv.Itoa(len(payload))
			resp, _ := h.Handle(context.Background(), ev)
			statuses[i] = resp.StatusCode
		})
	}
	wg.Wait()
	for i, s := range statuses {
		if s != 202 {
			t.Errorf("drop %d: status %d, want 202", i, s)
		}
	}
	objects := miniotest.Objects(t, client, bucket)
	if len(objects) != n {
		t.Fatalf("bucket holds %d objects, want %d", len(objects), n)
	}
	seen := map[string]bool{}
	for _, v := range objects {
		var i int
		if _, err := fmt.Sscanf(string(v), "drop %03d", &i); err != nil || string(v) != fmt.Sprintf("drop %03d %s", i, strings.Repeat("x", i*40)) {
			t.Fatalf("object %.40q is not a payload that was sent", v)
		}
		seen[string(v)] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct payloads stored, want %d", len(seen), n)
	}
}

// TestStorageUnavailable: S3 unreachable, or the bucket missing, is a 503 within the
// invocation's deadline, logged, with nothing stored.
func TestStorageUnavailable(t *testing.T) {
	srv := miniotest.Require(t)
	tests := []struct {
		name     string
		endpoint string
		bucket   string
		logWant  string
	}{
		{"unreachable", "http://127.0.0.1:1", "any-bucket", "connect"},
		{"missing bucket", srv.Endpoint, "no-such-bucket-" + strconv.FormatInt(time.Now().UnixNano(), 36), "NoSuchBucket"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env(t, srv, tt.bucket)
			t.Setenv("S3_ENDPOINT_URL", tt.endpoint)
			var logs bytes.Buffer
			h := handler(t, &logs)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			start := time.Now()
			resp, err := h.Handle(ctx, funcurltest.Event(t, "plain"))
			if err != nil || resp.StatusCode != 503 || !strings.Contains(resp.Body, "not stored") {
				t.Errorf("got %+v, %v; want 503 saying the payload was not stored", resp, err)
			}
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("answered after %v, past the invocation's deadline", took)
			}
			if !strings.Contains(logs.String(), tt.logWant) || !strings.Contains(logs.String(), `"outcome":"not_stored"`) {
				t.Errorf("log %s does not report the failure (%s)", logs.String(), tt.logWant)
			}
		})
	}
}

// TestSetupFailsClosed: a missing variable stops the start, naming it.
func TestSetupFailsClosed(t *testing.T) {
	t.Setenv("BUCKET", "b")
	t.Setenv("AUTH_TOKEN", domain.TokenDigest("a"))
	t.Setenv("CDN_TOKEN", "not-a-server-token")
	t.Setenv("CDN_TOKEN_HTTP_HEADER_NAME", "x-cdn-authorization")
	_, err := wiring.LambdaHandler(context.Background(), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "CDN_TOKEN") || strings.Contains(err.Error(), "not-a-server-token") {
		t.Errorf("setup error = %v, want one naming CDN_TOKEN without its value", err)
	}
}

// TestSetupTouchesNoNetwork: building the handler, as Lambda's init does, makes no connection:
// not to S3, not to the instance metadata service for credentials. The first drop does.
func TestSetupTouchesNoNetwork(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns atomic.Int32
	accepted := make(chan string, 1024) // the remote addresses, in the order accepted
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			select {
			case accepted <- c.RemoteAddr().String():
			default:
			}
			c.Close()
		}
	}()
	url := "http://" + ln.Addr().String()
	env(t, miniotest.Server{Endpoint: url, Region: "us-east-1"}, "bucket")
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		t.Setenv(k, "")
		os.Unsetenv(k) // so that credentials would come from the metadata service
	}
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url)

	h := handler(t, &bytes.Buffer{})
	// A connection of the test's own, once accepted, tells that every connection made before
	// it was accepted and counted (the listener accepts in order).
	barrier, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer barrier.Close()
	for addr := range accepted {
		if addr == barrier.LocalAddr().String() {
			break
		}
	}
	if n := conns.Load() - 1; n != 0 {
		t.Fatalf("setup made %d connections, want none", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	h.Handle(ctx, funcurltest.Event(t, "plain"))
	if conns.Load() == 1 {
		t.Error("the first drop made no connection either: the check above proves nothing")
	}
}
