package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/client/clienttest"
	"github.com/s3-dropbox/s3-dropbox/contract"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// outcome is one run of the command.
type outcome struct {
	code           int
	stdout, stderr string
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

// sendCmd runs the command with args, the token in a file (-token-file, added), and transport
// for its requests (nil: the default). It fails the test if any output holds the token.
func sendCmd(t *testing.T, transport http.RoundTripper, stdin string, args ...string) outcome {
	t.Helper()
	return sendFrom(t, transport, strings.NewReader(stdin), args...)
}

// sendFrom is sendCmd with any standard input.
func sendFrom(t *testing.T, transport http.RoundTripper, stdin io.Reader, args ...string) outcome {
	t.Helper()
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte(facetest.AuthToken+"\nsecond line ignored\n"), 0o600)
	var stdout, stderr bytes.Buffer
	c := command{env: func(string) string { return "" }, stdin: stdin, stdout: &stdout, stderr: &stderr}
	if transport != nil {
		c.httpClient = &http.Client{Transport: transport}
	}
	code := run(context.Background(), append([]string{"-token-file", tokenFile, "-v"}, args...), c)
	o := outcome{code: code, stdout: stdout.String(), stderr: stderr.String()}
	if strings.Contains(o.stdout+o.stderr, facetest.AuthToken) {
		t.Errorf("the output holds the client token:\n%s\n%s", o.stdout, o.stderr)
	}
	return o
}

var cdnHeader = facetest.CDNHeader + ": Bearer " + facetest.CDNToken

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
	if got := facetest.Payloads(store); !slices.Equal(got, want) {
		t.Errorf("stored %q, want each payload once", got)
	}
}

// TestStoredAndSummary: the human output, one line a payload and a summary.
func TestStoredAndSummary(t *testing.T) {
	url, store := clienttest.Dropbox(t, 0)
	o := sendCmd(t, nil, "hello", "-url", url, "-H", cdnHeader, "-")
	if o.code != exitStored || !strings.Contains(o.stdout, "-: stored (1 attempt(s))") || !strings.Contains(o.stdout, "1 stored, 0 already stored, 0 refused, 0 not stored, 0 unknown") {
		t.Errorf("exit %d, output %q", o.code, o.stdout)
	}
	if got := facetest.Payloads(store); len(got) != 1 || got[0] != "hello" {
		t.Errorf("stored %q", got)
	}
}

// answering returns a server on loopback that answers each request with the next of answers
// (status, Retry-After), the last one again and again, and counts the requests.
func answering(t *testing.T, answers ...[2]string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := answers[min(int(n.Add(1))-1, len(answers)-1)]
		if a[1] != "" {
			w.Header().Set("Retry-After", a[1])
		}
		var status int
		fmt.Sscan(a[0], &status)
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// TestRetryAfter: 429 and 503 with Retry-After are retried.
func TestRetryAfter(t *testing.T) {
	srv, n := answering(t, [2]string{"429", "0"}, [2]string{"503", "0"}, [2]string{"202", ""})
	o := sendCmd(t, nil, "p", "-url", srv.URL, "-json", "-")
	if rs := o.results(t); o.code != exitStored || len(rs) != 1 || rs[0].Attempts != 3 || n.Load() != 3 {
		t.Errorf("exit %d, %+v: want 0, stored at the third attempt", o.code, rs)
	}
}

// TestRetryAfterOfADay: a server that asks to come back in a day (in seconds, or as a date in
// 2100) is not waited for: the wait is at most the maximum backoff, and when that would pass
// the -deadline the payload is given up at once (exit 3: not stored), saying so.
func TestRetryAfterOfADay(t *testing.T) {
	for _, retryAfter := range []string{"86400", "Fri, 01 Jan 2100 00:00:00 GMT"} {
		srv, n := answering(t, [2]string{"503", retryAfter}, [2]string{"202", ""})
		o := sendCmd(t, nil, "p", "-url", srv.URL, "-deadline", "10s", "-json", "-")
		rs := o.results(t)
		if o.code != exitNotStored || len(rs) != 1 || rs[0].Attempts != 1 || n.Load() != 1 || !strings.Contains(rs[0].Error, "due in 20s, would start after the deadline") {
			t.Errorf("Retry-After %s: exit %d, %+v: want 3 after one attempt, the wait capped at 20s and past the deadline", retryAfter, o.code, rs)
		}
	}
}

// TestRedirect: a URL that redirects (to another port, or from https to http on the same
// host) is one failed attempt that names the Location (exit 2); the server redirected to gets
// nothing: no token, no payload.
func TestRedirect(t *testing.T) {
	target, got := answering(t, [2]string{"202", ""})
	for _, tls := range []bool{false, true} {
		var asked atomic.Int32
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			asked.Add(1)
			http.Redirect(w, r, target.URL+"/v1/drop", http.StatusTemporaryRedirect)
		}))
		var transport http.RoundTripper
		if tls {
			srv.StartTLS()
			transport = srv.Client().Transport
		} else {
			srv.Start()
		}
		t.Cleanup(srv.Close)
		o := sendCmd(t, transport, "secret payload", "-url", srv.URL+"/v1/drop", "-json", "-")
		rs := o.results(t)
		if o.code != exitUnknown || len(rs) != 1 || rs[0].Status != 307 || rs[0].Attempts != 1 || !strings.Contains(rs[0].Error, "redirected to \""+target.URL+"/v1/drop\": not followed") {
			t.Errorf("tls %v: exit %d, %+v: want 2, one attempt, the Location named", tls, o.code, rs)
		}
		if asked.Load() != 1 || got.Load() != 0 {
			t.Errorf("tls %v: %d request(s) to the URL, %d to the Location; want 1 and 0", tls, asked.Load(), got.Load())
		}
	}
}

// endless is an endless standard input, as yes(1) gives; it counts the bytes read.
type endless struct{ read int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = "y\n"[i%2]
	}
	e.read += int64(len(p))
	return len(p), nil
}

// TestEndlessInput: an endless standard input is read up to the limit and one byte more,
// then refused without being sent (exit 1); with -max-bytes, up to that.
func TestEndlessInput(t *testing.T) {
	srv, n := answering(t, [2]string{"202", ""})
	for _, tt := range []struct {
		args  []string
		limit int64
	}{
		{nil, 6 << 20},
		{[]string{"-max-bytes", "10240"}, 10240},
	} {
		in := &endless{}
		o := sendFrom(t, nil, in, append(append([]string{"-url", srv.URL}, tt.args...), "-")...)
		if o.code != exitRefused || !strings.Contains(o.stdout, fmt.Sprintf("-: refused, not stored: over the limit of %d bytes (-max-bytes): not sent", tt.limit)) {
			t.Errorf("%v: exit %d, %q; want 1 and the limit named", tt.args, o.code, o.stdout)
		}
		if in.read > tt.limit+32<<10 {
			t.Errorf("%v: read %d bytes of standard input, want about %d at most", tt.args, in.read, tt.limit+1)
		}
	}
	if n.Load() != 0 {
		t.Errorf("%d request(s), want none", n.Load())
	}
}

// TestPayloadAtTheLimit: a file of exactly -max-bytes is sent, one byte more is not.
func TestPayloadAtTheLimit(t *testing.T) {
	url, store := clienttest.Dropbox(t, 0)
	dir := t.TempDir()
	at, over := filepath.Join(dir, "at"), filepath.Join(dir, "over")
	os.WriteFile(at, []byte(strings.Repeat("a", 100)), 0o600)
	os.WriteFile(over, []byte(strings.Repeat("o", 101)), 0o600)
	o := sendCmd(t, nil, "", "-url", url, "-H", cdnHeader, "-max-bytes", "100", "-json", at, over)
	rs := o.results(t)
	if o.code != exitRefused || len(rs) != 2 || rs[0].Outcome != "stored" || rs[1].Outcome != "refused" {
		t.Errorf("exit %d, %+v: want the first stored, the second refused", o.code, rs)
	}
	if got := facetest.Payloads(store); len(got) != 1 || len(got[0]) != 100 {
		t.Errorf("stored %d payloads, want the one of 100 bytes", len(got))
	}
}

// TestRemotePlainHTTP: a token is not sent over plain http to a host that is not a loopback
// address: a usage error (exit 64) before any network use, naming the flag that allows it.
func TestRemotePlainHTTP(t *testing.T) {
	tr := &counter{}
	o := sendCmd(t, tr, "p", "-url", "http://dropbox.example.org/v1/drop", "-")
	if o.code != exitUsage || !strings.Contains(o.stderr, "clear text") || !strings.Contains(o.stderr, "-allow-plain-http") || tr.n.Load() != 0 {
		t.Errorf("exit %d, %q, %d request(s): want 64, why and the flag, nothing sent", o.code, o.stderr, tr.n.Load())
	}
	o = sendCmd(t, tr, "p", "-url", "http://dropbox.example.org/v1/drop", "-allow-plain-http", "-attempts", "1", "-")
	if o.code != exitUnknown || tr.n.Load() != 1 {
		t.Errorf("-allow-plain-http: exit %d, %d request(s): want an attempt", o.code, tr.n.Load())
	}
}

// counter is a transport that counts requests and sends none.
type counter struct{ n atomic.Int32 }

func (c *counter) RoundTrip(*http.Request) (*http.Response, error) {
	c.n.Add(1)
	return nil, errors.New("not sent: the test's transport")
}

// TestRefusedExit1: the service's 413 is not retried; the command says why and exits 1.
func TestRefusedExit1(t *testing.T) {
	url, store := clienttest.Dropbox(t, 10)
	o := sendCmd(t, nil, strings.Repeat("x", 11), "-url", url, "-H", cdnHeader, "-json", "-")
	rs := o.results(t)
	if o.code != exitRefused || len(rs) != 1 || rs[0].Outcome != "refused" || rs[0].Status != 413 || rs[0].Attempts != 1 ||
		rs[0].Error != "The request body must be at most 10 bytes" {
		t.Errorf("exit %d, %+v: want 1, refused 413 after one attempt with the service's message", o.code, rs)
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

// TestUnreachableNotStored: nobody listens: -attempts attempts, then exit 3, the payload not
// stored (no attempt reached the service).
func TestUnreachableNotStored(t *testing.T) {
	url := "http://" + porttest.FreeAddr(t)
	o := sendCmd(t, nil, "p", "-url", url, "-attempts", "3", "-json", "-")
	rs := o.results(t)
	if o.code != exitNotStored || len(rs) != 1 || rs[0].Outcome != contract.NotStored || rs[0].Attempts != 3 || rs[0].Error == "" {
		t.Errorf("exit %d, %+v: want 3, not stored after 3 attempts", o.code, rs)
	}
	o = sendCmd(t, nil, "p", "-url", url, "-attempts", "1", "-")
	if !strings.Contains(o.stdout, "-: not stored after 1 attempt(s) (send it again later): ") {
		t.Errorf("human output %q: want what to do", o.stdout)
	}
	// A file's key is its name's and content's: an earlier run may have stored it, and the
	// line says only what this run did.
	file := filepath.Join(t.TempDir(), "report.csv")
	if err := os.WriteFile(file, []byte("p"), 0o600); err != nil {
		t.Fatal(err)
	}
	o = sendCmd(t, nil, "", "-url", url, "-attempts", "1", file)
	if !strings.Contains(o.stdout, ": not stored by this run after 1 attempt(s), though an earlier run with its key ") {
		t.Errorf("a file's line %q: want 'not stored by this run'", o.stdout)
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
		{[]string{"-url", "http://x", "-max-bytes", "0", "a"}, "-max-bytes must be 1 to 6291456"},
		{[]string{"-url", "http://x", "-max-bytes", "6291457", "a"}, "-max-bytes must be 1 to 6291456"},
		{[]string{"-url", "http://x", "-deadline", "0s", "a"}, "must be positive"},
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
	env := map[string]string{"S3_DROPBOX_TOKEN": facetest.AuthToken, "S3_DROPBOX_URL": url}
	code := run(context.Background(), []string{"-H", cdnHeader, "-"}, command{env: func(k string) string { return env[k] }, stdin: strings.NewReader("env"), stdout: &stdout, stderr: &stderr})
	if code != exitStored || len(facetest.Payloads(store)) != 1 {
		t.Errorf("token from the environment: exit %d %s", code, stderr.String())
	}
	code = run(context.Background(), []string{"-url", url, "-"}, command{env: func(string) string { return "" }, stdin: strings.NewReader("x"), stdout: &stdout, stderr: &stderr})
	if code != exitUsage || !strings.Contains(stderr.String(), "-token-file or S3_DROPBOX_TOKEN") {
		t.Errorf("no token: exit %d, %q", code, stderr.String())
	}
	if o := sendCmd(t, nil, "", "-token", facetest.AuthToken, "-url", url, "-"); o.code != exitUsage {
		t.Errorf("-token accepted: exit %d", o.code)
	}
}
