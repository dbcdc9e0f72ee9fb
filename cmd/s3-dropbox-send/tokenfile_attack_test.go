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

// TestAttackTokenFileForms: a token file saved by an editor that starts it with a UTF-8 byte
// order mark works (it was refused as "not one word", which said nothing of the mark); a
// file that its group or others can write but not read gets a warning that says so (it said
// "can be read by others").
func TestAttackTokenFileForms(t *testing.T) {
	url, store := clienttest.Dropbox(t, 0)
	tests := []struct {
		content string
		mode    os.FileMode
		want    int
		warning string
		notWant string
	}{
		{"\ufeff" + facetest.AuthToken + "\r\n", 0o600, exitStored, "", ""},
		{"\ufeffBearer " + facetest.AuthToken + "\r\n", 0o600, exitStored, "", ""},
		{facetest.AuthToken + "\n", 0o620, exitStored, "can be written by others", "can be read"},
	}
	stored := 0
	for _, tt := range tests {
		file := filepath.Join(t.TempDir(), "token")
		os.WriteFile(file, []byte(tt.content), tt.mode)
		os.Chmod(file, tt.mode) // whatever the umask
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"-url", url, "-H", cdnHeader, "-token-file", file, "-"},
			command{env: func(string) string { return "" }, stdin: strings.NewReader("p"), stdout: &stdout, stderr: &stderr})
		if code == exitStored {
			stored++
		}
		if code != tt.want || len(facetest.Payloads(store)) != stored {
			t.Errorf("token file %q (%04o): exit %d, %s%s; want %d", tt.content, tt.mode, code, stdout.String(), stderr.String(), tt.want)
		}
		if !strings.Contains(stderr.String(), tt.warning) || (tt.notWant != "" && strings.Contains(stderr.String(), tt.notWant)) {
			t.Errorf("token file %04o: stderr %q; want %q, not %q", tt.mode, stderr.String(), tt.warning, tt.notWant)
		}
	}
}
