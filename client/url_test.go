package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/client"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// TestCredentialsInURL: a URL that carries a credential of its own (userinfo, which the
// client never sends as the Authorization header is its own, or the token itself in the
// query, which process lists and shell histories show) is refused by New; nothing is sent.
func TestCredentialsInURL(t *testing.T) {
	addr := porttest.FreeAddr(t)
	for _, u := range []string{
		"http://user:secretpassword@" + addr + "/",
		"http://secretusername@" + addr + "/",
		"http://" + addr + "/?token=" + facetest.AuthToken,
		"http://" + addr + "/" + facetest.AuthToken,
	} {
		_, err := client.New(u, facetest.AuthToken)
		if err == nil {
			t.Errorf("%s: New took it; want an error", u)
			continue
		}
		for _, secret := range []string{"secretpassword", "secretusername", facetest.AuthToken} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%s: the error holds %q: %v", u, secret, err)
			}
		}
	}
}

// TestHugeRequestID: a server's X-Request-Id of 64 KiB (Go takes answer heads up to
// 10 MB) is not carried whole into the receipt or the error, which a command prints.
func TestHugeRequestID(t *testing.T) {
	for _, status := range []int{http.StatusAccepted, http.StatusBadRequest} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Request-Id", strings.Repeat("r", 64<<10))
			w.WriteHeader(status)
		}))
		t.Cleanup(srv.Close)
		receipt, err := newClient(t, srv.URL, nil).Send(context.Background(), []byte("p"))
		got := receipt.RequestID
		var e *client.Error
		if errors.As(err, &e) {
			got = e.RequestID
		}
		if len(got) == 0 || len(got) > 256 {
			t.Errorf("%d: a request ID of %d bytes; want it cut to 256 at most", status, len(got))
		}
	}
}

// TestEndedContextSendsNothing: Send with a context that has ended already (a Ctrl-C
// between two payloads) sends nothing and says so, with no attempt counted; it said "no
// answer … may or may not be stored" after one attempt that never left.
func TestEndedContextSendsNothing(t *testing.T) {
	srv, seen := fake(t, [3]string{"202", "", ""})
	for _, end := range []func() (context.Context, context.CancelFunc){
		func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
		func() (context.Context, context.CancelFunc) { return context.WithTimeout(context.Background(), 0) },
	} {
		ctx, cancel := end()
		cancel()
		_, err := newClient(t, srv.URL, nil).Send(ctx, []byte("p"))
		var e *client.Error
		if !errors.As(err, &e) || e.Attempts != 0 || e.Refused || !strings.HasPrefix(e.Message, "not sent") || !errors.Is(err, ctx.Err()) {
			t.Errorf("%#v: want not sent, no attempt, not refused, wrapping %v", err, ctx.Err())
		}
	}
	if len(*seen) != 0 {
		t.Errorf("%d request(s) reached the server; want none", len(*seen))
	}
}

// TestPayloadHoldingToken: a payload that holds the client token (a copy of the token
// file, a configuration dumped whole) is refused without being sent: it would be stored,
// where whoever reads the bucket reads it.
func TestPayloadHoldingToken(t *testing.T) {
	srv, seen := fake(t, [3]string{"202", "", ""})
	_, err := newClient(t, srv.URL, nil).Send(context.Background(), []byte("token = "+facetest.AuthToken+"\n"))
	var e *client.Error
	if !errors.As(err, &e) || !e.Refused || e.Attempts != 0 || len(*seen) != 0 {
		t.Errorf("%v after %d request(s); want refused, not sent", err, len(*seen))
	}
}
