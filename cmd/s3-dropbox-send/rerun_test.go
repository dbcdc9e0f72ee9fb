package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/client/clienttest"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// TestRerunStoresNothingTwice: the built command, run again over the same files with the same
// token, stores nothing twice, with no flag: each file is named by its name as given and its
// content. Two files of equal bytes are two drops; an edited file is a new drop (no 422);
// standard input is stored again (a new random key), and so is every file with -new-key.
func TestRerunStoresNothingTwice(t *testing.T) {
	bin := buildCommand(t)
	url, store := clienttest.Dropbox(t, 0)
	dir := t.TempDir()
	token := filepath.Join(t.TempDir(), "token")
	os.WriteFile(token, []byte(facetest.AuthToken+"\n"), 0o600)
	files := map[string]string{"a.json": `{"a":1}`, "b.txt": "bee", "copy-of-b.txt": "bee", "c.bin": "\x00\xff"}
	names := []string{"a.json", "b.txt", "copy-of-b.txt", "c.bin"}
	for name, body := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600)
	}
	send := func(stdin string, extra ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append(append([]string{"-url", url, "-token-file", token, "-H", cdnHeader}, extra...), names...)...)
		cmd.Dir = dir
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
		}
		return string(out)
	}
	payloads := func() []string { return facetest.Payloads(store) }
	wantPayloads := func(want ...string) {
		t.Helper()
		slices.Sort(want)
		if got := payloads(); !slices.Equal(got, want) {
			t.Errorf("stored %q, want %q", got, want)
		}
	}

	tests := []struct {
		name    string
		prepare func()
		stdin   string
		extra   []string
		summary string
		stored  []string
	}{
		{"first run", nil, "", nil, "4 stored, 0 already stored", []string{`{"a":1}`, "bee", "bee", "\x00\xff"}},
		{"the same command again", nil, "", nil, "0 stored, 4 already stored", []string{`{"a":1}`, "bee", "bee", "\x00\xff"}},
		{"an edited file", func() { os.WriteFile(filepath.Join(dir, "b.txt"), []byte("bee, edited"), 0o600) }, "", nil,
			"1 stored, 3 already stored", []string{`{"a":1}`, "bee", "bee", "bee, edited", "\x00\xff"}},
		{"-new-key", nil, "", []string{"-new-key"}, "4 stored, 0 already stored",
			[]string{`{"a":1}`, `{"a":1}`, "bee", "bee", "bee", "bee, edited", "bee, edited", "\x00\xff", "\x00\xff"}},
	}
	for _, tt := range tests {
		if tt.prepare != nil {
			tt.prepare()
		}
		out := send(tt.stdin, tt.extra...)
		if !strings.Contains(out, tt.summary) {
			t.Errorf("%s: output %q, want %q", tt.name, out, tt.summary)
		}
		wantPayloads(tt.stored...)
	}

	// Standard input has no name to go by: each run is a new drop.
	stored := len(payloads())
	for range 2 {
		cmd := exec.Command(bin, "-url", url, "-token-file", token, "-H", cdnHeader, "-")
		cmd.Stdin = strings.NewReader("from stdin")
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "1 stored, 0 already stored") {
			t.Errorf("standard input: %v\n%s", err, out)
		}
	}
	if got := len(payloads()); got != stored+2 {
		t.Errorf("%d payloads after sending standard input twice, want %d", got, stored+2)
	}
}
