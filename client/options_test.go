package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/client"
	"github.com/s3-dropbox/s3-dropbox/contract"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// TestBadPayloadOptionsNotSent: an Idempotency-Key or a content type that cannot be a
// header value (a line break) or that the service refuses (a key over 255 characters) is
// refused before anything is sent, not retried as a network fault.
func TestBadPayloadOptionsNotSent(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	for name, opt := range map[string]client.SendOption{
		"key with a line break":          client.WithIdempotencyKey("a\nb"),
		"key with a space":               client.WithIdempotencyKey("a b"),
		"key of 256":                     client.WithIdempotencyKey(strings.Repeat("k", 256)),
		"content type with a line break": client.WithContentType("text/plain\r\nX-Evil: 1"),
	} {
		n.Store(0)
		_, err := newClient(t, srv.URL, nil).Send(context.Background(), []byte("p"), opt)
		var e *client.Error
		if !errors.As(err, &e) || e.Outcome != contract.Refused || e.Attempts != 0 || n.Load() != 0 {
			t.Errorf("%s: %v (%d request(s)); want refused before any attempt", name, err, n.Load())
		}
	}
}

// TestBadHeaderRefusedByNew: a header that cannot be sent (a name with a space, a value
// with a line break) is New's error, not a network fault of every payload.
func TestBadHeaderRefusedByNew(t *testing.T) {
	for _, h := range [][2]string{{"X Y", "v"}, {"X:", "v"}, {"", "v"}, {"X", "a\r\nEvil: 1"}, {"X", "a\x00"}} {
		if _, err := client.New("http://127.0.0.1:9", facetest.AuthToken, client.WithHeader(h[0], h[1])); err == nil {
			t.Errorf("WithHeader(%q, %q): New took it", h[0], h[1])
		}
	}
	if _, err := client.New("http://127.0.0.1:9", facetest.AuthToken, client.WithHeader("X-Cdn-Authorization", "Bearer a\tb")); err != nil {
		t.Errorf("a value with a space and a tab: %v", err)
	}
}

// TestNilOptions: a nil Option or SendOption (an option chosen conditionally and left
// unset) is ignored, not a panic.
func TestNilOptions(t *testing.T) {
	srv, _ := counting(t)
	var o client.Option
	var so client.SendOption
	c, err := client.New(srv.URL, facetest.AuthToken, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(context.Background(), []byte("p"), so); err != nil {
		t.Errorf("Send with a nil SendOption: %v", err)
	}
}

// TestOptionsChecked: an option out of its bounds makes New fail and say which.
func TestOptionsChecked(t *testing.T) {
	tests := []struct {
		opt  client.Option
		want string
	}{
		{client.WithAttempts(0), "attempts"},
		{client.WithTimeout(0), "timeout"},
		{client.WithPayloadTimeout(-time.Second), "payload timeout"},
		{client.WithBackoff(time.Second, 2*time.Minute), "at most 1m0s"},
		{client.WithBackoff(0, time.Second), "backoff"},
		{client.WithMaxBytes(0), "limit"},
		{client.WithMaxBytes(contract.MaxPayloadBytes + 1), "limit"},
		{client.WithHTTPClient(nil), "WithHTTPClient"},
	}
	for _, tt := range tests {
		if _, err := client.New("https://x/v1/drop", "t", tt.opt); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New with a bad option: %v, want an error about %q", err, tt.want)
		}
	}
}

// TestPerPayloadOptionsAreNotClientOptions: what describes one payload cannot be given to
// New (where it would hold for every payload: a second payload with the same key is 422).
func TestPerPayloadOptionsAreNotClientOptions(t *testing.T) {
	option := reflect.TypeFor[client.Option]()
	for name, o := range map[string]any{
		"WithIdempotencyKey": client.WithIdempotencyKey("k"),
		"WithKeyFromContent": client.WithKeyFromContent(),
		"WithContentType":    client.WithContentType("text/plain"),
	} {
		if reflect.TypeOf(o).AssignableTo(option) {
			t.Errorf("%s is assignable to client.Option", name)
		}
	}
	if in := reflect.TypeOf(client.New).In(2).Elem(); in != option {
		t.Errorf("New takes %v, want client.Option", in)
	}
}
