package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl"
	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl/funcurltest"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// FunctionURLEventLimit is the Function URL's limit on an invocation's event: 6 MB.
const FunctionURLEventLimit = 6_000_000

// TestUploadUnderEmulatorMinIO: the bootstrap, built for this machine, runs under the Lambda
// emulator and completes a 13 MiB upload sent as Function URL events of funcurl.MaxUploadChunk
// bytes each (base64, each event within the Function URL's 6 MB), into MinIO: one object, its
// bytes and SHA-256; nothing visible before the last PATCH.
func TestUploadUnderEmulatorMinIO(t *testing.T) {
	srv := miniotest.Require(t)
	rie := emulatorBin(t)
	client := srv.Client(t)
	bucket := srv.NewBucket(t, client)
	bootstrap := filepath.Join(t.TempDir(), "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", bootstrap, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	invoke := funcurltest.Emulate(t, rie, []string{bootstrap}, []string{
		"PATH=" + os.Getenv("PATH"), "BUCKET=" + bucket,
		"AUTH_TOKEN=" + domain.TokenDigest(facetest.AuthToken),
		"CDN_TOKEN=" + domain.TokenDigest(facetest.CDNToken),
		"CDN_TOKEN_HTTP_HEADER_NAME=" + facetest.CDNHeader,
		"S3_ENDPOINT_URL=" + srv.Endpoint, "AWS_REGION=" + srv.Region,
		"AWS_ACCESS_KEY_ID=" + srv.AccessKey, "AWS_SECRET_ACCESS_KEY=" + srv.SecretKey,
		"AWS_LAMBDA_FUNCTION_TIMEOUT=20", "MAX_UPLOAD_BYTES=104857600",
	})
	data := make([]byte, 13<<20)
	rand.Read(data)
	created := invoke(event("POST", "/v1/uploads", map[string]string{"upload-length": fmt.Sprint(len(data)),
		"upload-metadata": "filename " + base64.StdEncoding.EncodeToString([]byte("export.bin"))}, nil))
	loc := created.Headers["Location"]
	if created.StatusCode != 201 || !strings.HasPrefix(loc, "/v1/uploads/") {
		t.Fatalf("creation: %d %v %q", created.StatusCode, created.Headers, created.Body)
	}
	for off := 0; off < len(data); off += funcurl.MaxUploadChunk {
		end := min(off+funcurl.MaxUploadChunk, len(data))
		ev := event("PATCH", loc, map[string]string{"content-type": "application/offset+octet-stream",
			"upload-offset": fmt.Sprint(off), "content-length": fmt.Sprint(end - off)}, data[off:end])
		if b, _ := json.Marshal(ev); len(b) > FunctionURLEventLimit {
			t.Fatalf("the PATCH event at %d is %d bytes, over the Function URL's %d", off, len(b), FunctionURLEventLimit)
		}
		got := invoke(ev)
		if got.StatusCode != 204 || got.Headers["Upload-Offset"] != fmt.Sprint(end) {
			t.Fatalf("PATCH at %d: %d %v %q", off, got.StatusCode, got.Headers, got.Body)
		}
		if visible := visibleKeys(t, client, bucket); end < len(data) && len(visible) != 0 {
			t.Fatalf("at %d of %d bytes, consumers see %q", end, len(data), visible)
		}
	}
	head := invoke(event("HEAD", loc, nil, nil))
	if head.StatusCode != 200 || head.Headers["Upload-Offset"] != fmt.Sprint(len(data)) {
		t.Errorf("HEAD: %d %v", head.StatusCode, head.Headers)
	}
	wantUploaded(t, client, bucket, data)
}

// event is a Function URL event of a tus request of alice's, through the CDN, with hdr and
// body (nil: none, else base64 as a Function URL sends a binary body).
func event(method, path string, hdr map[string]string, body []byte) funcurl.Request {
	h := map[string]string{
		strings.ToLower(facetest.CDNHeader): "Bearer " + facetest.CDNToken,
		"authorization":                     "Bearer " + facetest.AuthToken,
		"tus-resumable":                     "1.0.0",
	}
	for k, v := range hdr {
		h[k] = v
	}
	ev := funcurl.Request{}
	ev.RawPath, ev.Headers = path, h
	ev.RequestContext.HTTP.Method, ev.RequestContext.HTTP.Path = method, path
	if body != nil {
		s := base64.StdEncoding.EncodeToString(body)
		ev.Body, ev.IsBase64Encoded = &s, true
	}
	return ev
}

// wantUploaded checks that consumers of bucket see one object, data, with its SHA-256.
func wantUploaded(t *testing.T, client *s3.Client, bucket string, data []byte) {
	t.Helper()
	keys := visibleKeys(t, client, bucket)
	if len(keys) != 1 {
		t.Fatalf("consumers see %q, want one object", keys)
	}
	o, _ := miniotest.Object(t, client, bucket, keys[0])
	if !bytes.Equal(o.Data, data) {
		t.Errorf("the object holds %d bytes, not the %d uploaded", len(o.Data), len(data))
	}
	if sum, _ := s3store.New(client, bucket).Get(t.Context(), keys[0]); sum.SHA256 != sha256.Sum256(data) {
		t.Errorf("the object keeps SHA-256 %x, want %x", sum.SHA256, sha256.Sum256(data))
	}
}

func visibleKeys(t *testing.T, client *s3.Client, bucket string) []string {
	t.Helper()
	var out []string
	for _, k := range miniotest.Keys(t, client, bucket) {
		if !strings.HasPrefix(k, ".") {
			out = append(out, k)
		}
	}
	return out
}

// emulatorBin returns the Lambda emulator: TEST_RIE_BIN, else aws-lambda-rie on PATH or in
// GOPATH/bin. Missing, the test skips and says so; in CI it fails.
func emulatorBin(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TEST_RIE_BIN"); p != "" {
		return p
	}
	if p, err := exec.LookPath("aws-lambda-rie"); err == nil {
		return p
	}
	gopath, _ := exec.Command("go", "env", "GOPATH").Output()
	if p := filepath.Join(string(bytes.TrimSpace(gopath)), "bin", "aws-lambda-rie"); fileExists(p) {
		return p
	}
	msg := "aws-lambda-rie not found: set TEST_RIE_BIN, or run ./scripts/test, which installs it"
	if os.Getenv("CI") == "true" || os.Getenv("TEST_S3_REQUIRED") == "1" {
		t.Fatal(msg)
	}
	t.Skip("skipped: " + msg)
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
