package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestHelp: -h lists the flags and the exit statuses, and exits 0.
func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-h"}, command{env: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr})
	for _, want := range []string{"-deadline", "-allow-plain-http", "-max-bytes", "Bearer <token>", "Exit status"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("-h does not mention %s", want)
		}
	}
	if code != 0 {
		t.Errorf("-h: exit %d, want 0", code)
	}
}

// TestHelpSaysWhatIsTrue: -h says that S3_DROPBOX_TOKEN holds the token itself (not a file's
// name), that a re-run stores nothing twice and what does not re-run safely, and how to send
// the same files again on purpose.
func TestHelpSaysWhatIsTrue(t *testing.T) {
	var stderr bytes.Buffer
	run(context.Background(), []string{"-h"}, command{env: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &stderr})
	help := strings.Join(strings.Fields(stderr.String()), " ")
	for _, want := range []string{
		"the token itself is read from the variable S3_DROPBOX_TOKEN (which holds the token, not a file's name)",
		"the same command run again over the same files stores nothing twice",
		"derived from its name as given and its content",
		"Standard input gets a new random key each time",
		"after the TTL or with a new token",
		"-new-key sends the same files again",
		"2 a payload's outcome unknown (it may be stored)",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("-h does not say %q:\n%s", want, stderr.String())
		}
	}
	if strings.Contains(help, "(default: $S3_DROPBOX_TOKEN)") {
		t.Error("-h says -token-file defaults to $S3_DROPBOX_TOKEN, as if the variable held a path")
	}
}
