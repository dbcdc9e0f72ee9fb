package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// TestSignalMidSend: the built command, SIGINT or SIGTERM while the server holds its
// request unanswered (read whole: it may be stored): exit 2, the line says it may or may not
// be stored and names the key the request carried, so that sending it again with that key is
// safe; nothing holds the token.
func TestSignalMidSend(t *testing.T) {
	bin := buildCommand(t)
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	os.WriteFile(token, []byte(facetest.AuthToken), 0o600)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		keys := make(chan string, 1)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			keys <- r.Header.Get("Idempotency-Key")
			<-r.Context().Done() // held unanswered until the client leaves
		}))
		cmd := exec.Command(bin, "-url", srv.URL, "-token-file", token, "-")
		cmd.Stdin = strings.NewReader("payload")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		key := <-keys // the request was read whole
		cmd.Process.Signal(sig)
		err := cmd.Wait()
		srv.Close()
		out := stdout.String() + stderr.String()
		if code := cmd.ProcessState.ExitCode(); code != exitUnknown || !strings.Contains(stdout.String(), "may or may not be stored (send it again with -idempotency-key "+key+")") {
			t.Errorf("%v: exit %d (%v), %q; want 2 and the key %s", sig, code, err, out, key)
		}
		if strings.Contains(out, facetest.AuthToken) {
			t.Errorf("%v: the output holds the token: %q", sig, out)
		}
	}
}
