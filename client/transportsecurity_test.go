package client_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/client"
	"github.com/s3-dropbox/s3-dropbox/contract"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

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
	if !errors.As(err, &e) || e.Outcome != contract.Refused || e.Attempts != 1 || len(waits.waits) != 0 || n.Load() != 0 || !strings.Contains(e.Message, "certificate") {
		t.Errorf("%v (refused %v, %d wait(s), %d request(s)); want refused after one attempt naming the certificate, no request", err, e != nil && e.Outcome == contract.Refused, len(waits.waits), n.Load())
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
