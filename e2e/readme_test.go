package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/internal/doctest"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// TestS3HowTo: the front page's "S3 on a local MinIO" block, run as printed with bash from
// the project's folder (on a free port instead of 8080): it starts MinIO, makes the bucket,
// serves, and the sender's payload is stored.
func TestS3HowTo(t *testing.T) {
	miniotest.Require(t) // MinIO is installed: the block starts one of its own
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	block := doctest.Block(t, "<!-- s3-howto -->")
	if !strings.Contains(block, "127.0.0.1:8080") {
		t.Fatalf("the block does not use 127.0.0.1:8080:\n%s", block)
	}
	block = strings.ReplaceAll(block, "127.0.0.1:8080", porttest.FreeAddr(t))
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", block)
	cmd.Dir = root
	cmd.Env = os.Environ()
	if bin := os.Getenv("TEST_MINIO_BIN"); bin != "" {
		cmd.Env = append(cmd.Env, "MINIO_BIN="+bin)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) } // MinIO and the server too
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "-: stored (1 attempt(s))") || !strings.Contains(string(out), `"outcome":"stored"`) {
		t.Fatalf("the block: %v\n%s\nwant the payload stored, and its log line", err, out)
	}
}
