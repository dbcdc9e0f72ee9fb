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

// TestTokenFile: the token file holds the token bare or as dev mode's banner prints it
// ("Bearer <token>", or its whole "authorization: Bearer <token>" line), after a UTF-8 byte
// order mark if an editor started the file with one; a file that its group or others can read
// works, with a warning that never holds the token, and one they can write but not read gets
// a warning that says so.
func TestTokenFile(t *testing.T) {
	const readable, writable = "can be read by others", "can be written by others"
	url, store := clienttest.Dropbox(t, 0)
	tests := []struct {
		content string
		mode    os.FileMode
		warning string // "": none
	}{
		{facetest.AuthToken + "\n", 0o600, ""},
		{"Bearer " + facetest.AuthToken + "\n", 0o600, ""},
		{"  bearer   " + facetest.AuthToken + "  \r\n", 0o400, ""},
		{"  authorization:       Bearer " + facetest.AuthToken + "\n", 0o600, ""},
		{"\ufeff" + facetest.AuthToken + "\r\n", 0o600, ""},
		{"\ufeffBearer " + facetest.AuthToken + "\r\n", 0o600, ""},
		{"Bearer " + facetest.AuthToken, 0o640, readable},
		{facetest.AuthToken + "\n", 0o644, readable},
		{facetest.AuthToken + "\n", 0o620, writable},
	}
	for i, tt := range tests {
		file := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(file, []byte(tt.content), tt.mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(file, tt.mode) // whatever the umask
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"-url", url, "-H", cdnHeader, "-token-file", file, "-"},
			command{env: func(string) string { return "" }, stdin: strings.NewReader("p"), stdout: &stdout, stderr: &stderr})
		if code != exitStored || len(facetest.Payloads(store)) != i+1 {
			t.Errorf("token file %q (%04o): exit %d, %s%s; want stored", tt.content, tt.mode, code, stdout.String(), stderr.String())
		}
		for _, w := range []string{readable, writable} {
			if got, want := strings.Contains(stderr.String(), w) && strings.Contains(stderr.String(), "chmod 600"), w == tt.warning; got != want {
				t.Errorf("token file mode %04o: stderr %q; want %q: %v", tt.mode, stderr.String(), w, want)
			}
		}
		if strings.Contains(stderr.String(), facetest.AuthToken) {
			t.Errorf("token file mode %04o: stderr %q holds the token", tt.mode, stderr.String())
		}
	}
	// The environment variable takes the same forms.
	var stdout, stderr bytes.Buffer
	env := map[string]string{"S3_DROPBOX_TOKEN": "Bearer " + facetest.AuthToken}
	code := run(context.Background(), []string{"-url", url, "-H", cdnHeader, "-"},
		command{env: func(k string) string { return env[k] }, stdin: strings.NewReader("p"), stdout: &stdout, stderr: &stderr})
	if code != exitStored {
		t.Errorf("S3_DROPBOX_TOKEN='Bearer …': exit %d, %s", code, stderr.String())
	}
}
