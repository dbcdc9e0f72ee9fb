package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/internal/buildtest"
)

// buildCommand builds the command into a new folder and returns its path; under -short it
// skips the test.
func buildCommand(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("skipped: builds the command (-short)")
	}
	return buildtest.Command(t, buildtest.Module+"/cmd/s3-dropbox-send")
}

// TestEndlessStdinProcess: `yes | s3-dropbox-send -`, the built command with an endless
// standard input: it stops reading past the limit, sends nothing, exits 1, and its peak RSS
// stays far below what reading it whole would take.
func TestEndlessStdinProcess(t *testing.T) {
	bin := buildCommand(t)
	dir := t.TempDir()
	srv, n := answering(t, [2]string{"202", ""})
	token := filepath.Join(dir, "token")
	os.WriteFile(token, []byte(facetest.AuthToken), 0o600)
	cmd := exec.Command(bin, "-url", srv.URL, "-token-file", token, "-")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var written atomic.Int64
	go func() { // yes(1): writes until the pipe breaks
		n, _ := io.Copy(stdin, &endless{})
		written.Store(n)
	}()
	err = cmd.Wait()
	stdin.Close()
	if code := cmd.ProcessState.ExitCode(); code != exitRefused || !strings.Contains(stdout.String(), "over the limit of 6291456 bytes") {
		t.Fatalf("exit %d (%v), %q %q; want 1 and the limit named", code, err, stdout.String(), stderr.String())
	}
	if n.Load() != 0 {
		t.Errorf("%d request(s), want none", n.Load())
	}
	// Reading it whole grew to hundreds of MiB; bounded, the peak is the limit and the runtime.
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
	if runtime.GOOS == "darwin" {
		rss /= 1024 // bytes there
	}
	if rss > 64<<10 {
		t.Errorf("peak RSS %d KiB, want under 64 MiB", rss)
	} else {
		t.Logf("peak RSS %d KiB", rss)
	}
}
