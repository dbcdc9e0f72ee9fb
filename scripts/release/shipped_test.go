package main

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl/funcurltest"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// tool returns the path of a program the test runs: from the variable env if set, else from
// PATH (and GOBIN). Missing, the test skips and says so; in CI it fails.
func tool(t *testing.T, env, name string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	gobin, _ := exec.Command("go", "env", "GOPATH").Output()
	if p := filepath.Join(string(bytes.TrimSpace(gobin)), "bin", name); fileExists(p) {
		return p
	}
	msg := name + " not found: set " + env + ", or run ./scripts/test, which installs it"
	if os.Getenv("CI") == "true" || os.Getenv("TEST_S3_REQUIRED") == "1" {
		t.Fatal(msg)
	}
	t.Skip("skipped: " + msg)
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// TestShippedArm64: the release zip as shipped, its arm64 bootstrap run under
// qemu-aarch64-static through the Lambda Runtime Interface Emulator, against MinIO: a drop is
// stored (and read back), a wrong token is 401, a payload over the limit 413, and with its
// storage down the function answers 503.
func TestShippedArm64(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: builds and emulates the Lambda binary")
	}
	srv := miniotest.Require(t)
	rie := tool(t, "TEST_RIE_BIN", "aws-lambda-rie")
	qemu := tool(t, "TEST_QEMU_AARCH64", "qemu-aarch64-static")
	client := srv.Client(t)
	bucket := srv.NewBucket(t, client)

	t.Chdir("../..")
	dist := t.TempDir()
	if err := run([]string{"-arch", "arm64", "-out", dist, "-send=false"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	bootstrap := unzipBootstrap(t, filepath.Join(dist, "s3-dropbox-lambda-arm64.zip"))

	env := func(endpoint string) []string {
		return []string{
			"PATH=" + os.Getenv("PATH"), "BUCKET=" + bucket,
			"AUTH_TOKEN=" + domain.TokenDigest(facetest.AuthToken),
			"CDN_TOKEN=" + domain.TokenDigest(facetest.CDNToken),
			"CDN_TOKEN_HTTP_HEADER_NAME=" + facetest.CDNHeader,
			"S3_ENDPOINT_URL=" + endpoint, "AWS_REGION=" + srv.Region,
			"AWS_ACCESS_KEY_ID=" + srv.AccessKey, "AWS_SECRET_ACCESS_KEY=" + srv.SecretKey,
			"AWS_LAMBDA_FUNCTION_TIMEOUT=20",
		}
	}
	invoke := funcurltest.Emulate(t, rie, []string{qemu, bootstrap}, env(srv.Endpoint))

	if got := invoke(funcurltest.Event(t, "plain")); got.StatusCode != 202 {
		t.Fatalf("drop: %d %q, want 202", got.StatusCode, got.Body)
	}
	objects := miniotest.Objects(t, client, bucket)
	if len(objects) != 1 {
		t.Fatalf("bucket holds %d objects, want the one drop", len(objects))
	}
	for _, b := range objects {
		if string(b) != "hello, dropbox" {
			t.Errorf("stored %q, want the payload", b)
		}
	}
	wrong := funcurltest.Event(t, "plain")
	wrong.Headers["authorization"] = "Bearer not-the-token"
	if got := invoke(wrong); got.StatusCode != 401 {
		t.Errorf("wrong token: %d %q, want 401", got.StatusCode, got.Body)
	}
	large := funcurltest.Event(t, "plain")
	large.Headers["content-length"] = "20000"
	if got := invoke(large); got.StatusCode != 413 {
		t.Errorf("over the limit: %d %q, want 413", got.StatusCode, got.Body)
	}
	if n := len(miniotest.Keys(t, client, bucket)); n != 1 {
		t.Errorf("%d objects after the refusals, want 1", n)
	}

	down := "http://" + porttest.FreeAddr(t) // nothing listens there
	invokeDown := funcurltest.Emulate(t, rie, []string{qemu, bootstrap}, env(down))
	if got := invokeDown(funcurltest.Event(t, "plain")); got.StatusCode != 503 || got.Headers["Retry-After"] == "" {
		t.Errorf("storage down: %d %q %v, want 503 with Retry-After", got.StatusCode, got.Body, got.Headers)
	}
}

// unzipBootstrap writes the zip's bootstrap to a temporary folder, executable, and returns
// its path.
func unzipBootstrap(t *testing.T, zipPath string) string {
	t.Helper()
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), zr.File[0].Name)
	if err := os.WriteFile(path, b, zr.File[0].Mode().Perm()); err != nil {
		t.Fatal(err)
	}
	return path
}
