package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/client"
	"github.com/s3-dropbox/s3-dropbox/contract"
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
			if !errors.As(err, &e) || e.Outcome != contract.Unknown || e.Status != status || e.Attempts != 1 || !strings.Contains(e.Message, target.URL+"/v1/drop") {
				t.Errorf("%d (tls %v): %v; want unknown after one attempt naming the Location", status, tls, err)
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
