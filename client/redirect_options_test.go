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
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// counting returns a server on loopback that answers 202 and counts the requests it gets.
func counting(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// redirecting returns a server (TLS when tls is set) that answers every request with status
// and Location: to, and counts them.
func redirecting(t *testing.T, tls bool, status int, to string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Redirect(w, r, to, status)
	})
	srv := httptest.NewUnstartedServer(h)
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv, &n
}

// TestRedirectNotFollowed: a dropbox URL that redirects to another port (or from https to
// plain http) gets one attempt; the server redirected to gets nothing (no token, no payload);
// the error names the Location and is not a refusal.
func TestRedirectNotFollowed(t *testing.T) {
	for _, status := range []int{301, 302, 303, 307, 308} {
		for _, tls := range []bool{false, true} {
			target, got := counting(t)
			srv, asked := redirecting(t, tls, status, target.URL+"/v1/drop")
			c := newClient(t, srv.URL+"/v1/drop", nil, client.WithHTTPClient(srv.Client()))
			_, err := c.Send(context.Background(), []byte("secret payload"))
			var e *client.Error
			if !errors.As(err, &e) || e.Refused || e.Status != status || e.Attempts != 1 || !strings.Contains(e.Message, target.URL+"/v1/drop") {
				t.Errorf("%d (tls %v): %v; want an unconfirmed error after one attempt naming the Location", status, tls, err)
			}
			if asked.Load() != 1 || got.Load() != 0 {
				t.Errorf("%d (tls %v): %d request(s) to the URL, %d to the Location; want 1 and 0", status, tls, asked.Load(), got.Load())
			}
		}
	}
}

// TestRedirectNotFollowedWhateverTheHTTPClient: a given http.Client that would follow
// redirects does not make the client follow them.
func TestRedirectNotFollowedWhateverTheHTTPClient(t *testing.T) {
	target, got := counting(t)
	srv, _ := redirecting(t, false, http.StatusTemporaryRedirect, target.URL)
	follow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	if _, err := newClient(t, srv.URL, nil, client.WithHTTPClient(follow)).Send(context.Background(), []byte("p")); err == nil || got.Load() != 0 {
		t.Errorf("err %v, %d request(s) to the Location; want an error and none", err, got.Load())
	}
	if follow.CheckRedirect == nil {
		t.Errorf("the given http.Client was changed")
	}
}

// TestDeadline: when the next attempt could only start after the payload's deadline, Send
// stops at once and says so; it does not wait.
func TestDeadline(t *testing.T) {
	srv, seen := fake(t, [3]string{"503", "10", "not stored"})
	waits := &noWait{}
	_, err := newClient(t, srv.URL, waits, client.WithDeadline(time.Second)).Send(context.Background(), []byte("p"))
	var e *client.Error
	if !errors.As(err, &e) || e.Refused || e.Attempts != 1 || !strings.Contains(e.Message, "after the deadline") {
		t.Errorf("%v: want unconfirmed after one attempt, saying the deadline", err)
	}
	if len(waits.waits) != 0 || len(*seen) != 1 {
		t.Errorf("waits %v, %d request(s); want none and 1", waits.waits, len(*seen))
	}
}

// TestPlainHTTP: a token goes over plain http only to a loopback address, unless
// WithPlainHTTP says so; the refusal comes from New, before any request.
func TestPlainHTTP(t *testing.T) {
	tests := []struct {
		url   string
		plain bool
		ok    bool
	}{
		{"http://dropbox.example.org/v1/drop", false, false},
		{"http://192.0.2.7:8080/v1/drop", false, false},
		{"http://[2001:db8::1]/v1/drop", false, false},
		{"http://127.0.0.1.example.org/v1/drop", false, false},
		{"http://dropbox.example.org/v1/drop", true, true},
		{"https://dropbox.example.org/v1/drop", false, true},
		{"http://127.0.0.1:8080/v1/drop", false, true},
		{"http://127.8.9.10/v1/drop", false, true},
		{"http://[::1]:8080/v1/drop", false, true},
		{"http://localhost:8080/v1/drop", false, true},
	}
	for _, tt := range tests {
		var opts []client.Option
		if tt.plain {
			opts = append(opts, client.WithPlainHTTP())
		}
		_, err := client.New(tt.url, facetest.AuthToken, opts...)
		if (err == nil) != tt.ok {
			t.Errorf("New(%s, plain %v): %v; want ok %v", tt.url, tt.plain, err, tt.ok)
		}
		if err != nil && (!errors.Is(err, client.ErrPlainHTTP) || strings.Contains(err.Error(), facetest.AuthToken)) {
			t.Errorf("New(%s): %q; want why, without the token", tt.url, err)
		}
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
		{client.WithDeadline(-time.Second), "deadline"},
		{client.WithBackoff(time.Second, 2*time.Minute), "at most 1m0s"},
		{client.WithBackoff(0, time.Second), "backoff"},
		{client.WithMaxBytes(0), "limit"},
		{client.WithMaxBytes(client.MaxPayloadBytes + 1), "limit"},
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

// TestCancelled: a cancelled context stops the retries and says so, not "deadline".
func TestCancelled(t *testing.T) {
	srv, _ := fake(t, [3]string{"503", "1", ""})
	ctx, cancel := context.WithCancel(context.Background())
	c := newClient(t, srv.URL, nil)
	client.SetSleep(c, func(context.Context, time.Duration) error { cancel(); return context.Canceled })
	_, err := c.Send(ctx, []byte("p"))
	if err == nil || !strings.Contains(err.Error(), "then it was cancelled") {
		t.Errorf("%v: want it to say it was cancelled", err)
	}
}
