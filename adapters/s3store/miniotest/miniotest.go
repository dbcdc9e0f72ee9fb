// Package miniotest connects tests to a real S3-compatible server (MinIO, started by
// scripts/test). The server is named by TEST_S3_ENDPOINT, TEST_S3_ACCESS_KEY and
// TEST_S3_SECRET_KEY. Without it, tests that need it skip and say so; where CI=true or
// TEST_S3_REQUIRED=1 they fail instead, so that CI never passes without running them.
package miniotest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// Server is a reachable S3-compatible server.
type Server struct {
	Endpoint  string
	AccessKey string
	SecretKey string
	Region    string
}

// Require returns the server, or skips the test with a message (fails it in CI) when none is
// configured.
func Require(t testing.TB) Server {
	t.Helper()
	s := Server{
		Endpoint:  os.Getenv("TEST_S3_ENDPOINT"),
		AccessKey: os.Getenv("TEST_S3_ACCESS_KEY"),
		SecretKey: os.Getenv("TEST_S3_SECRET_KEY"),
		Region:    "us-east-1",
	}
	if s.Endpoint != "" && s.AccessKey != "" && s.SecretKey != "" {
		return s
	}
	const msg = "no S3-compatible server: set TEST_S3_ENDPOINT, TEST_S3_ACCESS_KEY and TEST_S3_SECRET_KEY, or run ./scripts/test, which starts MinIO"
	if os.Getenv("CI") == "true" || os.Getenv("TEST_S3_REQUIRED") == "1" {
		t.Fatal(msg)
	}
	t.Skip("skipped: " + msg)
	return Server{}
}

// Env sets the environment the service reads to reach the server (S3_ENDPOINT_URL and the
// AWS_* variables of the SDK's default chain) for the rest of the test.
func (s Server) Env(t *testing.T) {
	t.Helper()
	t.Setenv("S3_ENDPOINT_URL", s.Endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", s.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s.SecretKey)
	t.Setenv("AWS_REGION", s.Region)
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
}

// Client returns an S3 client for the server, built as the service builds its own.
func (s Server) Client(t testing.TB) *s3.Client {
	t.Helper()
	c, err := s3store.NewClient(context.Background(), s.Endpoint,
		config.WithRegion(s.Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, "")),
	)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// QuickClient is Client with the SDK's standard retries (three attempts, the same errors
// retried) but a backoff of at most a millisecond and no retry quota, so that a test of many
// faults is quick and its cases do not drain one another's quota.
func (s Server) QuickClient(t testing.TB) *s3.Client {
	t.Helper()
	c, err := s3store.NewClient(context.Background(), s.Endpoint,
		config.WithRegion(s.Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, "")),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 3
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) {
					return time.Duration(mrand.N(1000)) * time.Microsecond, nil
				})
				o.RateLimiter = ratelimit.None
			})
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// NewBucket creates an empty bucket with a fresh name, removed with its objects when the test
// ends.
func (s Server) NewBucket(t testing.TB, c *s3.Client) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	name := "test-" + hex.EncodeToString(b)
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		keys := Keys(t, c, name)
		for len(keys) > 0 {
			batch := keys[:min(len(keys), 1000)] // DeleteObjects' limit
			keys = keys[len(batch):]
			ids := make([]types.ObjectIdentifier, len(batch))
			for i, k := range batch {
				ids[i] = types.ObjectIdentifier{Key: aws.String(k)}
			}
			c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(name), Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)}})
		}
		c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)})
	})
	return name
}

// Keys lists every key in the bucket, in S3's order.
func Keys(t testing.TB, c *s3.Client, bucket string) []string {
	t.Helper()
	var keys []string
	list(t, c, bucket, func(o types.Object) { keys = append(keys, aws.ToString(o.Key)) })
	return keys
}

// ETags returns the ETag of every object in the bucket, unquoted, by key: for an object
// written by one PutObject, the MD5 of its bytes in hex.
func ETags(t testing.TB, c *s3.Client, bucket string) map[string]string {
	t.Helper()
	tags := map[string]string{}
	list(t, c, bucket, func(o types.Object) { tags[aws.ToString(o.Key)] = strings.Trim(aws.ToString(o.ETag), `"`) })
	return tags
}

// list calls each with every object of the bucket, page by page.
func list(t testing.TB, c *s3.Client, bucket string, each func(types.Object)) {
	t.Helper()
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("list %s: %v", bucket, err)
		}
		for _, o := range page.Contents {
			each(o)
		}
	}
}

// Get returns the object under key, and whether there is one.
func Get(t testing.TB, c *s3.Client, bucket, key string) ([]byte, bool) {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, false
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b, true
}

// Object returns the object under key with its content type, its x-amz-meta-client and its
// SHA-256 checksum as S3 keeps them, and whether there is one.
func Object(t testing.TB, c *s3.Client, bucket, key string) (ports.Object, bool) {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled,
	})
	if err != nil {
		return ports.Object{}, false
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	o := ports.Object{Key: key, Data: b, ContentType: aws.ToString(out.ContentType), Client: out.Metadata["client"]}
	if sum, err := base64.StdEncoding.DecodeString(aws.ToString(out.ChecksumSHA256)); err == nil && len(sum) == len(o.SHA256) {
		copy(o.SHA256[:], sum)
	}
	return o, true
}

// Objects returns every object in the bucket, by key.
func Objects(t testing.TB, c *s3.Client, bucket string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	for _, k := range Keys(t, c, bucket) {
		b, ok := Get(t, c, bucket, k)
		if !ok {
			t.Fatalf("listed %s, cannot get it", k)
		}
		m[k] = b
	}
	return m
}

// Own is a MinIO server of one test's own, which the test may stop and start again (same
// port, same data): for faults that the shared server must not suffer.
type Own struct {
	Server
	bin, dir string
	cmd      *exec.Cmd
	t        testing.TB
}

// StartOwn starts a MinIO of the test's own from the binary named by TEST_MINIO_BIN (which
// scripts/test sets), on a free port with a temporary data folder, and stops it when the test
// ends. Without the binary, the test skips (fails in CI) as Require does.
func StartOwn(t testing.TB) *Own {
	t.Helper()
	bin := os.Getenv("TEST_MINIO_BIN")
	if bin == "" {
		const msg = "no MinIO binary: set TEST_MINIO_BIN, or run ./scripts/test, which installs MinIO"
		if os.Getenv("CI") == "true" || os.Getenv("TEST_S3_REQUIRED") == "1" {
			t.Fatal(msg)
		}
		t.Skip("skipped: " + msg)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	o := &Own{
		Server: Server{Endpoint: "http://" + addr, AccessKey: "own-minio", SecretKey: "own-minio-secret", Region: "us-east-1"},
		bin:    bin, dir: t.TempDir(), t: t,
	}
	o.Start()
	t.Cleanup(o.Stop)
	return o
}

// Start starts the server and waits until it is ready.
func (o *Own) Start() {
	o.t.Helper()
	addr := strings.TrimPrefix(o.Endpoint, "http://")
	o.cmd = exec.Command(o.bin, "server", "--quiet", "--address", addr, "--console-address", "127.0.0.1:0", o.dir)
	o.cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+o.AccessKey, "MINIO_ROOT_PASSWORD="+o.SecretKey, "MINIO_BROWSER=off", "MINIO_UPDATE=off")
	if err := o.cmd.Start(); err != nil {
		o.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(o.Endpoint + "/minio/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	o.t.Fatal("own MinIO not ready after 30 s")
}

// Stop kills the server at once, as a crash would.
func (o *Own) Stop() {
	if o.cmd != nil && o.cmd.Process != nil {
		o.cmd.Process.Kill()
		o.cmd.Wait()
		o.cmd = nil
	}
}

// ClientWith returns an S3 client for the server, built as the service builds its own, that
// sends its requests through transport.
func (s Server) ClientWith(t testing.TB, transport http.RoundTripper) *s3.Client {
	t.Helper()
	return s3.New(s.Client(t).Options(), func(o *s3.Options) { o.HTTPClient = &http.Client{Transport: transport} })
}

// ErrLostAnswer is what LosingTransport returns in place of an answer it drops. Its text is
// the kernel's for a reset connection, which the SDK retries.
var ErrLostAnswer = errors.New("read tcp: connection reset by peer (injected: the request was acted on, its answer lost)")

// LosingTransport sends every request to the server and waits for its answer; then, for the
// PUTs that Lose picks, it drops the answer and returns ErrLostAnswer, as a connection reset
// after the server acted would. It counts the answers it dropped.
type LosingTransport struct {
	// Lose says whether to drop the answer to a PUT of key, which is the attempt-th PUT of
	// that key (from 1) through this transport.
	Lose func(key string, attempt int) bool

	mu       sync.Mutex
	attempts map[string]int
	lost     int
}

// RoundTrip sends req and returns its answer, or ErrLostAnswer.
func (l *LosingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || req.Method != http.MethodPut {
		return resp, err
	}
	key := strings.SplitN(strings.TrimPrefix(req.URL.Path, "/"), "/", 2)[1]
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.attempts == nil {
		l.attempts = map[string]int{}
	}
	l.attempts[key]++
	if !l.Lose(key, l.attempts[key]) {
		return resp, nil
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	l.lost++
	return nil, ErrLostAnswer
}

// Lost returns how many answers were dropped.
func (l *LosingTransport) Lost() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lost
}
