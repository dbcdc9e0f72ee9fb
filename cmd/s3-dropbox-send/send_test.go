package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/client/clienttest"
	"github.com/s3-dropbox/s3-dropbox/ports/droptest"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// outcome is one run of the command.
type outcome struct {
	code           int
	stdout, stderr string
	waits          []time.Duration
}

// results decodes the -json lines.
func (o outcome) results(t *testing.T) []result {
	t.Helper()
	var rs []result
	dec := json.NewDecoder(strings.NewReader(o.stdout))
	for dec.More() {
		var r result
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("stdout %q: %v", o.stdout, err)
		}
		rs = append(rs, r)
	}
	return rs
}

// sendCmd runs the command with args, the token in a file (-token-file, added), transport for its
// requests (nil: the default), and no real waits. It fails the test if any output holds the
// token.
func sendCmd(t *testing.T, transport http.RoundTripper, stdin string, args ...string) outcome {
	t.Helper()
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte(droptest.AuthToken+"\nsecond line ignored\n"), 0o600)
	var stdout, stderr bytes.Buffer
	var mu sync.Mutex
	var waits []time.Duration
	c := command{
		env: func(string) string { return "" }, stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr,
		sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			defer mu.Unlock()
			waits = append(waits, d)
			return ctx.Err()
		},
	}
	if transport != nil {
		c.httpClient = &http.Client{Transport: transport}
	}
	code := run(context.Background(), append([]string{"-token-file", tokenFile, "-v"}, args...), c)
	o := outcome{code: code, stdout: stdout.String(), stderr: stderr.String(), waits: waits}
	if strings.Contains(o.stdout+o.stderr, droptest.AuthToken) {
		t.Errorf("the output holds the client token:\n%s\n%s", o.stdout, o.stderr)
	}
	return o
}

var cdnHeader = droptest.CDNHeader + ": Bearer " + droptest.CDNToken

// TestLostAnswers: against the real server, the answers of every payload's first two attempts
// are lost after the server stored it. Each payload is stored exactly once with its bytes, the
// command exits 0, and reports "replayed" as the server said.
func TestLostAnswers(t *testing.T) {
	url, store := clienttest.Dropbox(t, 0)
	dir := t.TempDir()
	files := map[string]string{"a.json": `{"a":1}`, "b.txt": "bee", "c.bin": strings.Repeat("\x00\xff", 2000)}
	var args []string
	for name, body := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600)
		args = append(args, filepath.Join(dir, name))
	}
	o := sendCmd(t, &clienttest.LosingTransport{Lose: 2}, "from stdin", append([]string{"-url", url, "-H", cdnHeader, "-json", "-parallel", "2"}, append(args, "-")...)...)
	if o.code != exitStored {
		t.Fatalf("exit %d, want 0\n%s\n%s", o.code, o.stdout, o.stderr)
	}
	rs := o.results(t)
	if len(rs) != len(files)+1 {
		t.Fatalf("%d results, want %d: %s", len(rs), len(files)+1, o.stdout)
	}
	for _, r := range rs {
		if r.Outcome != "replayed" || r.Attempts != 3 || r.Status != 202 || r.IdempotencyKey == "" || r.Error != "" {
			t.Errorf("result %+v: want replayed at the third attempt", r)
		}
	}
	want := []string{"from stdin"}
	for _, b := range files {
		want = append(want, b)
	}
	slices.Sort(want)
	if got := clienttest.Payloads(store); !slices.Equal(got, want) {
		t.Errorf("stored %q, want each payload once", got)
	}
}

// TestStoredAndSummary: the human output, one line a payload and a summary.
func TestStoredAndSummary(t *testing.T) {
	url, store := clienttest.Dropbox(t, 0)
	o := sendCmd(t, nil, "hello", "-url", url, "-H", cdnHeader, "-")
	if o.code != exitStored || !strings.Contains(o.stdout, "-: stored (1 attempt(s))") || !strings.Contains(o.stdout, "1 stored, 0 already stored, 0 refused, 0 not confirmed") {
		t.Errorf("exit %d, output %q", o.code, o.stdout)
	}
	if got := clienttest.Payloads(store); len(got) != 1 || got[0] != "hello" {
		t.Errorf("stored %q", got)
	}
}

// TestRetryAfter: 429 and 503 with Retry-After are retried after what they say.
func TestRetryAfter(t *testing.T) {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		switch i {
		case 1:
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	defer srv.Close()
	o := sendCmd(t, nil, "p", "-url", srv.URL, "-json", "-")
	if o.code != exitStored || len(o.waits) != 2 || o.waits[0] != 3*time.Second || o.waits[1] != time.Second {
		t.Errorf("exit %d, waits %v: want 0 after waits of 3s and 1s", o.code, o.waits)
	}
}

// TestRefusedExit1: the service's 413 is not retried; the command says why and exits 1.
func TestRefusedExit1(t *testing.T) {
	url, store := clienttest.Dropbox(t, 10)
	o := sendCmd(t, nil, strings.Repeat("x", 11), "-url", url, "-H", cdnHeader, "-json", "-")
	rs := o.results(t)
	if o.code != exitRefused || len(rs) != 1 || rs[0].Outcome != "refused" || rs[0].Status != 413 || rs[0].Attempts != 1 ||
		rs[0].Error != "The request body must be at most 10 bytes" || len(o.waits) != 0 {
		t.Errorf("exit %d, %+v, waits %v: want 1, refused 413 after one attempt with the service's message", o.code, rs, o.waits)
	}
	// Refused locally with -max-bytes: nothing sent.
	o = sendCmd(t, nil, strings.Repeat("x", 11), "-url", url, "-H", cdnHeader, "-max-bytes", "10", "-")
	if o.code != exitRefused || !strings.Contains(o.stdout, "refused, not stored") {
		t.Errorf("-max-bytes: exit %d, %q", o.code, o.stdout)
	}
	if len(store.Keys()) != 0 {
		t.Errorf("stored %v", store.Keys())
	}
}

// TestUnreachableExit2: nobody listens: -attempts attempts, then exit 2.
func TestUnreachableExit2(t *testing.T) {
	url := "http://" + porttest.FreeAddr(t)
	o := sendCmd(t, nil, "p", "-url", url, "-attempts", "3", "-json", "-")
	rs := o.results(t)
	if o.code != exitUnconfirmed || len(rs) != 1 || rs[0].Outcome != "failed" || rs[0].Attempts != 3 || len(o.waits) != 2 || rs[0].Error == "" {
		t.Errorf("exit %d, %+v, waits %v: want 2, failed after 3 attempts", o.code, rs, o.waits)
	}
	o = sendCmd(t, nil, "p", "-url", url, "-attempts", "1", "-")
	if !strings.Contains(o.stdout, "not confirmed after 1 attempt(s), may or may not be stored (send it again with -idempotency-key ") {
		t.Errorf("human output %q: want what to do", o.stdout)
	}
}

// TestUsage: usage errors exit 64 and say what is wrong.
func TestUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-url", "http://x"}, "name at least one file"},
		{[]string{"f"}, "give the drop URL"},
		{[]string{"-url", "http://x", "-idempotency-key", "k", "a", "b"}, "with one payload only"},
		{[]string{"-url", "http://x", "-idempotency-key", "k", "-key-from-content", "a"}, "exclude each other"},
		{[]string{"-url", "http://x", "-attempts", "0", "a"}, "must be positive"},
		{[]string{"-url", "http://x", "-H", "no colon", "a"}, "want 'Name: value'"},
		{[]string{"-url", "http://x", "-", "-"}, "can be read once"},
		{[]string{"-url", "ftp://x", "a"}, "http:// or https://"},
		{[]string{"-no-such-flag"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		o := sendCmd(t, nil, "", tt.args...)
		if o.code != exitUsage || !strings.Contains(o.stderr, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want 64 and %q", tt.args, o.code, o.stderr, tt.want)
		}
	}
}

// TestTokenSources: the token comes from the file's first line or from S3_DROPBOX_TOKEN; with
// neither, a usage error. There is no flag that takes the token itself.
func TestTokenSources(t *testing.T) {
	url, store := clienttest.Dropbox(t, 0)
	var stdout, stderr bytes.Buffer
	env := map[string]string{"S3_DROPBOX_TOKEN": droptest.AuthToken, "S3_DROPBOX_URL": url}
	code := run(context.Background(), []string{"-H", cdnHeader, "-"}, command{env: func(k string) string { return env[k] }, stdin: strings.NewReader("env"), stdout: &stdout, stderr: &stderr})
	if code != exitStored || len(clienttest.Payloads(store)) != 1 {
		t.Errorf("token from the environment: exit %d %s", code, stderr.String())
	}
	code = run(context.Background(), []string{"-url", url, "-"}, command{env: func(string) string { return "" }, stdin: strings.NewReader("x"), stdout: &stdout, stderr: &stderr})
	if code != exitUsage || !strings.Contains(stderr.String(), "-token-file or S3_DROPBOX_TOKEN") {
		t.Errorf("no token: exit %d, %q", code, stderr.String())
	}
	if o := sendCmd(t, nil, "", "-token", droptest.AuthToken, "-url", url, "-"); o.code != exitUsage {
		t.Errorf("-token accepted: exit %d", o.code)
	}
}
