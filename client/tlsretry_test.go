package client_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/client"
	"github.com/s3-dropbox/s3-dropbox/contract"
)

// selfSigned returns a certificate for 127.0.0.1 that no one trusts.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: priv}
}

// TestKeptConnectionLostThenUntrusted: the second payload goes on the kept TLS
// connection; the server reads it whole (it may store it) and closes the connection
// unanswered, and the new connection Go's transport makes to send it again meets a
// certificate that is not trusted. The payload may be stored: it is not "refused".
func TestKeptConnectionLostThenUntrusted(t *testing.T) {
	var requests, swapped atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if requests.Add(1) == 1 {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		swapped.Store(1)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	srv.EnableHTTP2 = false
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake the client refuses
	srv.StartTLS()
	t.Cleanup(srv.Close)
	trusted := srv.TLS.Certificates[0]
	untrusted := selfSigned(t)
	srv.TLS.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		if swapped.Load() == 1 {
			return &untrusted, nil
		}
		return &trusted, nil
	}
	srv.TLS.Certificates = nil
	c := newClient(t, srv.URL, nil, client.WithAttempts(1), client.WithHTTPClient(srv.Client()))
	if _, err := c.Send(context.Background(), []byte("first")); err != nil {
		t.Fatalf("first payload: %v", err)
	}
	_, err := c.Send(context.Background(), []byte("second"))
	var e *client.Error
	if !errors.As(err, &e) || e.Outcome != contract.Unknown {
		t.Errorf("%v; want unknown: the server read the payload whole", err)
	}
	if requests.Load() != 2 {
		t.Errorf("the server read %d request(s); want 2", requests.Load())
	}
}
