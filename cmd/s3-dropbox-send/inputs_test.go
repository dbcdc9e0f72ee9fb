package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/client/clienttest"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/internal/doctest"
)

// runCancelled runs the command with ctx, cancelled (a Ctrl-C) while the command blocks on
// what it reads, and fails the test if it has not returned within 10 seconds of it.
func runCancelled(t *testing.T, ctx context.Context, stdin io.Reader, args ...string) outcome {
	t.Helper()
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, args, command{env: func(string) string { return "" }, stdin: stdin, stdout: &stdout, stderr: &stderr})
	}()
	select {
	case code := <-done:
		return outcome{code: code, stdout: stdout.String(), stderr: stderr.String()}
	case <-time.After(10 * time.Second): // a guard against a hang, not a synchronisation
		t.Fatalf("the command did not return after its context was cancelled")
		return outcome{}
	}
}

// silent is a terminal where nothing is typed: its Read calls reading, then blocks until
// until ends.
type silent struct {
	reading func()
	until   context.Context
}

func (s *silent) Read([]byte) (int, error) {
	s.reading()
	<-s.until.Done()
	return 0, io.EOF
}

// TestInterruptWhileReadingStdin: `s3-dropbox-send -` typed at a terminal waits for
// standard input; Ctrl-C (the context cancelled) ends it at once, nothing sent, exit 3, and
// the line says it was not sent.
func TestInterruptWhileReadingStdin(t *testing.T) {
	srv, n := answering(t, [2]string{"202", ""})
	token := filepath.Join(t.TempDir(), "token")
	os.WriteFile(token, []byte(facetest.AuthToken), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	o := runCancelled(t, ctx, &silent{reading: cancel, until: t.Context()}, "-url", srv.URL, "-token-file", token, "-")
	if o.code != exitNotStored || !strings.Contains(o.stdout, "-: not sent") || n.Load() != 0 {
		t.Errorf("exit %d, %q %q, %d request(s); want 3, \"not sent\", none", o.code, o.stdout, o.stderr, n.Load())
	}
}

// TestTokenFileFIFO: a token file that is a FIFO nobody writes to blocks its opening;
// Ctrl-C ends the command at once, with exit 3 and nothing sent.
func TestTokenFileFIFO(t *testing.T) {
	srv, n := answering(t, [2]string{"202", ""})
	fifo := filepath.Join(t.TempDir(), "token")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("skipped: no FIFO here: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the FIFO's opening blocks until the test ends: the command is cancelled from the start
	o := runCancelled(t, ctx, strings.NewReader("p"), "-url", srv.URL, "-token-file", fifo, "-")
	if o.code != exitNotStored || !strings.Contains(o.stderr, "interrupted") || n.Load() != 0 {
		t.Errorf("exit %d, %q %q, %d request(s); want 3, \"interrupted\", none", o.code, o.stdout, o.stderr, n.Load())
	}
}

// TestTokenLineTooLong: a token file whose first line is longer than what is read of it
// (4096 bytes) is a usage error that says so, not a token silently cut into a 401.
func TestTokenLineTooLong(t *testing.T) {
	token := filepath.Join(t.TempDir(), "token")
	os.WriteFile(token, []byte(strings.Repeat("t", 5000)+"\n"), 0o600)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-url", "http://127.0.0.1:9", "-token-file", token, "-"},
		command{env: func(string) string { return "" }, stdin: strings.NewReader("p"), stdout: &stdout, stderr: &stderr})
	if code != exitUsage || !strings.Contains(stderr.String(), "longer than 4096") {
		t.Errorf("exit %d, %q; want 64 and the line's limit named", code, stderr.String())
	}
}

// TestBadHeaderFlag: -H with a value that holds a control character is a usage error,
// not eight network faults and "may or may not be stored".
func TestBadHeaderFlag(t *testing.T) {
	srv, n := answering(t, [2]string{"202", ""})
	o := sendCmd(t, nil, "p", "-url", srv.URL, "-H", "X-Cdn-Authorization: a\x01b", "-")
	if o.code != exitUsage || n.Load() != 0 {
		t.Errorf("exit %d, %q %q, %d request(s); want 64 and none", o.code, o.stdout, o.stderr, n.Load())
	}
}

// TestBuiltBinariesIgnored: every `go build -o NAME` of the documentation that writes
// into the project's folder writes a file git ignores, so that following it and then
// `git add .` does not commit a binary.
func TestBuiltBinariesIgnored(t *testing.T) {
	ignore, err := os.ReadFile("../../.gitignore")
	if err != nil {
		t.Fatal(err)
	}
	ignored := strings.Fields(string(ignore))
	built := doctest.MatchAll(t, regexp.MustCompile("go build -o ([A-Za-z0-9._-]+) "))
	if len(built) == 0 {
		t.Fatal("the documentation builds nothing into the project's folder: the test is stale")
	}
	for _, m := range built {
		if !slices.Contains(ignored, "/"+m[1]) {
			t.Errorf("the documentation builds %s into the project's folder, and .gitignore has no /%s", m[1], m[1])
		}
	}
}

// TestTokenAndPayloadOnStdin: `(cat token; cat payload) | s3-dropbox-send -token-file
// /dev/stdin -`, the built command: the token is the first line, and the payload stored is
// everything after it, whole (reading the token must not swallow the payload's start).
func TestTokenAndPayloadOnStdin(t *testing.T) {
	bin := buildCommand(t)
	url, store := clienttest.Dropbox(t, 0)
	payload := "first payload line\n" + strings.Repeat("0123456789", 1000)
	cmd := exec.Command(bin, "-url", url, "-H", cdnHeader, "-token-file", "/dev/stdin", "-")
	cmd.Stdin = strings.NewReader("Bearer " + facetest.AuthToken + "\n" + payload)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Contains(string(out), facetest.AuthToken) {
		t.Fatalf("%v: %s", err, out)
	}
	if got := facetest.Payloads(store); len(got) != 1 || got[0] != payload {
		t.Errorf("stored %d payload(s) of %v bytes; want one, the %d bytes after the token's line", len(got), lengths(got), len(payload))
	}
}

// lengths returns the lengths of ss.
func lengths(ss []string) []int {
	var n []int
	for _, s := range ss {
		n = append(n, len(s))
	}
	return n
}

// TestHugeParallel: -parallel far beyond the number of files starts no more workers
// than there are payloads (it started one goroutine per unit of -parallel: 1<<40 of them
// exhaust memory, so this test was not run before the fix).
func TestHugeParallel(t *testing.T) {
	srv, n := answering(t, [2]string{"202", ""})
	o := sendCmd(t, nil, "p", "-url", srv.URL, "-parallel", "1099511627776", "-")
	if o.code != exitStored || n.Load() != 1 {
		t.Errorf("exit %d, %d request(s), %q %q; want stored once", o.code, n.Load(), o.stdout, o.stderr)
	}
}

// TestHeaderFileFIFO: a -H @FILE that is a FIFO nobody writes to blocks its opening;
// Ctrl-C ends the command at once, with exit 3 and nothing sent.
func TestHeaderFileFIFO(t *testing.T) {
	srv, n := answering(t, [2]string{"202", ""})
	dir := t.TempDir()
	fifo := filepath.Join(dir, "headers")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("skipped: no FIFO here: %v", err)
	}
	token := filepath.Join(dir, "token")
	os.WriteFile(token, []byte(facetest.AuthToken), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the FIFO's opening blocks until the test ends: the command is cancelled from the start
	o := runCancelled(t, ctx, strings.NewReader("p"), "-url", srv.URL, "-token-file", token, "-H", "@"+fifo, "-")
	if o.code != exitNotStored || !strings.Contains(o.stderr, "interrupted") || n.Load() != 0 {
		t.Errorf("exit %d, %q %q, %d request(s); want 3, \"interrupted\", none", o.code, o.stdout, o.stderr, n.Load())
	}
}
