package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/client"
	"github.com/s3-dropbox/s3-dropbox/client/clienttest"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
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
		if !errors.As(err, &e) || !e.Refused || e.Attempts != 0 || n.Load() != 0 {
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

// TestParallelSends: one client shared by 32 goroutines (run with -race), every
// answer of a first attempt lost: each payload is stored once with its bytes.
func TestParallelSends(t *testing.T) {
	url, store := clienttest.Dropbox(t, 0)
	c := newClient(t, url, &noWait{}, client.WithHTTPClient(&http.Client{Transport: &clienttest.LosingTransport{Lose: 1}}))
	var want []string
	for i := range 32 {
		want = append(want, fmt.Sprintf("payload %02d", i))
	}
	var wg sync.WaitGroup
	for _, p := range want {
		wg.Go(func() {
			if r, err := c.Send(context.Background(), []byte(p)); err != nil || !r.Replayed || r.Attempts != 2 {
				t.Errorf("%s: %+v, %v; want replayed at the second attempt", p, r, err)
			}
		})
	}
	wg.Wait()
	if got := facetest.Payloads(store); !slices.Equal(got, want) {
		t.Errorf("stored %q, want each payload once", got)
	}
}

// TestAcceptedThenCut: a server that answers 202 and closes the connection in the middle
// of its body is not a confirmation: the attempt is retried with the same key, and a later
// 202 counts.
func TestAcceptedThenCut(t *testing.T) {
	var n atomic.Int32
	keys := make(chan string, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		keys <- r.Header.Get("Idempotency-Key")
		if n.Add(1) == 1 {
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(http.StatusAccepted)
			w.Write([]byte("cut"))
			panic(http.ErrAbortHandler)
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	r, err := newClient(t, srv.URL, nil).Send(context.Background(), []byte("p"))
	first, second := <-keys, <-keys
	if err != nil || r.Attempts != 2 || first != second {
		t.Errorf("%+v, %v: want stored at the second attempt, with the first's key", r, err)
	}
}

// TestUntrustedCertificate: an https server whose certificate is not trusted (a
// man in the middle, or a self-signed test server) gets no request, and the payload is given
// up at once as not stored, not retried for minutes as a network fault.
func TestUntrustedCertificate(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusAccepted)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshakes it refuses
	t.Cleanup(srv.Close)
	waits := &noWait{}
	_, err := newClient(t, srv.URL, waits).Send(context.Background(), []byte("p"))
	var e *client.Error
	if !errors.As(err, &e) || !e.Refused || e.Attempts != 1 || len(waits.waits) != 0 || n.Load() != 0 || !strings.Contains(e.Message, "certificate") {
		t.Errorf("%v (refused %v, %d wait(s), %d request(s)); want refused after one attempt naming the certificate, no request", err, e != nil && e.Refused, len(waits.waits), n.Load())
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

// TestLargePayloadOverTheServiceLimit: a payload of 6 MiB to a dropbox whose limit is
// 10 KiB (dev mode's default) is refused at the first attempt (413, exit 1 in the sender),
// even though the server answers before it has read the body and closes the connection.
func TestLargePayloadOverTheServiceLimit(t *testing.T) {
	url, store := clienttest.Dropbox(t, 10240)
	for range 5 {
		_, err := newClient(t, url, nil).Send(context.Background(), make([]byte, client.MaxPayloadBytes))
		var e *client.Error
		if !errors.As(err, &e) || !e.Refused || e.Status != http.StatusRequestEntityTooLarge || e.Attempts != 1 {
			t.Errorf("%v: want refused, 413, after one attempt", err)
		}
	}
	if got := facetest.Payloads(store); len(got) != 0 {
		t.Errorf("%d stored, want none", len(got))
	}
}

// TestPlainHTTPHosts: what looks like loopback and is not (0.0.0.0, ::, a name that
// starts with localhost, shortened or numeric forms a resolver may take for anything) is
// refused over plain http; the IPv4-mapped loopback and LOCALHOST are taken.
func TestPlainHTTPHosts(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"http://0.0.0.0:8080/v1/drop", false},
		{"http://[::]:8080/v1/drop", false},
		{"http://localhost.evil.example.com/v1/drop", false},
		{"http://localhost.:8080/v1/drop", false},
		{"http://127.1:8080/v1/drop", false},
		{"http://2130706433:8080/v1/drop", false},
		{"http://0x7f.0.0.1:8080/v1/drop", false},
		{"http://127.0.0.1@evil.example.com/v1/drop", false},
		{"HTTP://dropbox.example.org/v1/drop", false},
		{"http://[::ffff:127.0.0.1]:8080/v1/drop", true},
		{"http://LOCALHOST:8080/v1/drop", true},
		{"http://127.0.0.2:8080/v1/drop", true},
	}
	for _, tt := range tests {
		_, err := client.New(tt.url, facetest.AuthToken)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, client.ErrPlainHTTP)) {
			t.Errorf("New(%s): %v; want ok %v", tt.url, err, tt.ok)
		}
	}
}
