package client_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/client"
)

// TestBidiInMessage: a server's message cannot reorder what the terminal shows
// (Unicode bidirectional controls) any more than it can send escapes.
func TestBidiInMessage(t *testing.T) {
	srv, _ := fake(t, [3]string{"400", "", "bad \u202edeirots\u202c \u2066x\u2069 \u200b"})
	_, err := newClient(t, srv.URL, nil).Send(context.Background(), []byte("p"))
	var e *client.Error
	if !errors.As(err, &e) || strings.ContainsAny(e.Message, "\u202e\u202c\u2066\u2069\u200b") {
		t.Errorf("message %q: want no bidirectional or invisible format characters", e.Message)
	}
}

// TestServerMessageSanitized: a server's message cannot put terminal escapes or line breaks into the
// error; a redirect without a Location says so.
func TestServerMessageSanitized(t *testing.T) {
	srv, _ := fake(t, [3]string{"400", "", "bad\x1b]0;owned\x07\r\nline two\x9b"})
	_, err := newClient(t, srv.URL, nil).Send(context.Background(), []byte("p"))
	var e *client.Error
	if !errors.As(err, &e) || strings.ContainsAny(e.Message, "\x1b\x07\r\n\u009b") || !strings.Contains(e.Message, "line two") {
		t.Errorf("message %q: want it printable", e.Message)
	}
	srv, _ = fake(t, [3]string{"304", "", ""})
	if _, err := newClient(t, srv.URL, nil).Send(context.Background(), []byte("p")); err == nil || !strings.Contains(err.Error(), "without a Location") {
		t.Errorf("304: %v", err)
	}
}
