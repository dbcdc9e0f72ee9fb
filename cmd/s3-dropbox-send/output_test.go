package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/client/clienttest"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// TestMalformedHeaderNotEchoed: a -H mistyped ("=" for ":", or no separator) is a usage
// error that does not print the value, which is a credential (the CDN's token): the flag
// package's message quoted it whole, into a terminal's scrollback or a CI log.
func TestMalformedHeaderNotEchoed(t *testing.T) {
	const secret = "cdnsecret0123456789"
	for _, h := range []string{"X-Cdn-Authorization=Bearer " + secret, "X-Cdn-Authorization Bearer " + secret, ": Bearer " + secret} {
		srv, n := answering(t, [2]string{"202", ""})
		o := sendCmd(t, nil, "p", "-url", srv.URL, "-H", h, "-")
		if o.code != exitUsage || n.Load() != 0 || !strings.Contains(o.stderr, "want 'Name: value'") {
			t.Errorf("-H %q: exit %d, %d request(s), %q; want 64, none, and what to fix", h, o.code, n.Load(), o.stderr)
		}
		if strings.Contains(o.stdout+o.stderr, secret) {
			t.Errorf("-H %q: the output holds the header's value: %q %q", h, o.stdout, o.stderr)
		}
	}
}

// TestFileNameCannotForgeALine: a file name is printed so that it cannot forge a line of the
// report or send terminal escapes: a local user who names a file in a folder someone sends
// with a glob ("x\nimportant.csv: stored (1 attempt(s))") made a refused payload read as a
// stored one, and so did a folder's name in the error of its reading.
func TestFileNameCannotForgeALine(t *testing.T) {
	srv, _ := answering(t, [2]string{"400", ""})
	dir := t.TempDir()
	name := filepath.Join(dir, "x\nimportant.csv: stored (1 attempt(s))\x1b[2K")
	if err := os.WriteFile(name, []byte("p"), 0o600); err != nil {
		t.Skipf("skipped: this file system takes no such name: %v", err)
	}
	folder := filepath.Join(dir, "y\nother.csv: stored (1 attempt(s))") // named in the error of its reading
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	o := sendCmd(t, nil, "", "-url", srv.URL, name, folder)
	if o.code != exitRefused {
		t.Errorf("exit %d; want 1", o.code)
	}
	for _, line := range strings.Split(o.stdout+o.stderr, "\n") {
		if strings.HasPrefix(line, "important.csv: stored") || strings.HasPrefix(line, "other.csv: stored") || strings.Contains(line, "\x1b") {
			t.Errorf("a line forged by the file's name: %q (all: %q %q)", line, o.stdout, o.stderr)
		}
	}
}

// TestSameFileTwice: a file named twice (as such, or by another path to it) is a
// usage error: each naming got its own random Idempotency-Key, so the payload was stored
// twice and reported "2 stored".
func TestSameFileTwice(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.csv")
	os.WriteFile(a, []byte("p"), 0o600)
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(a, link); err != nil {
		t.Fatal(err)
	}
	for _, files := range [][]string{{a, a}, {a, dir + "/./a.csv"}, {a, link}} {
		srv, n := answering(t, [2]string{"202", ""})
		o := sendCmd(t, nil, "", append([]string{"-url", srv.URL}, files...)...)
		if o.code != exitUsage || n.Load() != 0 || !strings.Contains(o.stderr, "named twice") {
			t.Errorf("%q: exit %d, %d request(s), %q; want 64, none, \"named twice\"", files, o.code, n.Load(), o.stderr)
		}
	}
}

// TestTokenFileAsPayload: the token file among the files to send (`-token-file token *`
// in the folder that holds it) is a usage error, and nothing is sent: it was stored, the
// token with it, where whoever reads the bucket reads it; so is a -H @FILE among them.
func TestTokenFileAsPayload(t *testing.T) {
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	os.WriteFile(token, []byte(facetest.AuthToken+"\n"), 0o600)
	report := filepath.Join(dir, "report.json")
	os.WriteFile(report, []byte("{}"), 0o600)
	srv, n := answering(t, [2]string{"202", ""})
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-url", srv.URL, "-token-file", token, report, dir + "/./token"},
		command{env: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr})
	if code != exitUsage || n.Load() != 0 || !strings.Contains(stderr.String(), "is the file "+token) {
		t.Errorf("exit %d, %d request(s), %q %q; want 64, none, \"is the file %s\"", code, n.Load(), stdout.String(), stderr.String(), token)
	}
	// The same for a file of headers (-H @FILE), which holds the CDN's credential.
	headers := filepath.Join(dir, "headers")
	os.WriteFile(headers, []byte(cdnHeader+"\n"), 0o600)
	stdout.Reset()
	stderr.Reset()
	code = run(context.Background(), []string{"-url", srv.URL, "-token-file", token, "-H", "@" + headers, report, headers},
		command{env: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr})
	if code != exitUsage || n.Load() != 0 || !strings.Contains(stderr.String(), "is the file "+headers) {
		t.Errorf("-H @headers: exit %d, %d request(s), %q %q; want 64, none, \"is the file %s\"", code, n.Load(), stdout.String(), stderr.String(), headers)
	}
}

// TestMayBeStoredLine: a payload an attempt may have stored (a 504) is still said to be
// "may or may not be stored", with the key to send it again with, not "not stored".
func TestMayBeStoredLine(t *testing.T) {
	srv, _ := answering(t, [2]string{"504", "0"}, [2]string{"503", "0"})
	o := sendCmd(t, nil, "p", "-url", srv.URL, "-attempts", "2", "-")
	if o.code != exitUnknown || !strings.Contains(o.stdout, "-: unknown after 2 attempt(s), may or may not be stored (send it again with -idempotency-key ") {
		t.Errorf("exit %d, %q; want 2 and \"may or may not be stored\"", o.code, o.stdout)
	}
}

// TestStdinIsANamedFile: standard input redirected from a file that is named too
// (`s3-dropbox-send - data.csv < data.csv`) is that file named twice: a usage error, nothing
// sent (it was stored twice).
func TestStdinIsANamedFile(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data.csv")
	os.WriteFile(data, []byte("a,b\n"), 0o600)
	stdin, err := os.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	srv, n := answering(t, [2]string{"202", ""})
	o := sendFrom(t, nil, stdin, "-url", srv.URL, "-", data)
	if o.code != exitUsage || n.Load() != 0 || !strings.Contains(o.stderr, "named twice") {
		t.Errorf("exit %d, %d request(s), %q %q; want 64, none, \"named twice\"", o.code, n.Load(), o.stdout, o.stderr)
	}
}

// TestHeaderFromFile: the CDN's credential given with -H sits in the command line,
// which every local user's process list shows; -H @FILE takes it from a file instead. A
// malformed line is named by its number, never its content; a file others can read gets a
// warning.
func TestHeaderFromFile(t *testing.T) {
	url, store := clienttest.Dropbox(t, 0)
	dir := t.TempDir()
	good := filepath.Join(dir, "headers")
	os.WriteFile(good, []byte("\n"+cdnHeader+"\r\n\n"), 0o600)
	o := sendCmd(t, nil, "p", "-url", url, "-H", "@"+good, "-")
	if o.code != exitStored || len(facetest.Payloads(store)) != 1 || strings.Contains(o.stderr, "warning") {
		t.Errorf("-H @file: exit %d, %q %q; want stored, no warning", o.code, o.stdout, o.stderr)
	}
	open := filepath.Join(dir, "open")
	os.WriteFile(open, []byte(cdnHeader+"\n"), 0o644)
	os.Chmod(open, 0o644)
	o = sendCmd(t, nil, "p", "-url", url, "-H", "@"+open, "-")
	if o.code != exitStored || !strings.Contains(o.stderr, "can be read by others") {
		t.Errorf("-H @file 0644: exit %d, %q; want stored with a warning", o.code, o.stderr)
	}
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte(cdnHeader+"\nX-Cdn-Authorization=Bearer "+facetest.CDNToken+"\n"), 0o600)
	o = sendCmd(t, nil, "p", "-url", url, "-H", "@"+bad, "-")
	if o.code != exitUsage || !strings.Contains(o.stderr, "line 2: want 'Name: value'") || strings.Contains(o.stderr, facetest.CDNToken) {
		t.Errorf("-H @bad: exit %d, %q; want 64, line 2 named, not its value", o.code, o.stderr)
	}
	if got := len(facetest.Payloads(store)); got != 2 {
		t.Errorf("%d payload(s) stored; want 2", got)
	}
}
