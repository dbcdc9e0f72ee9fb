package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/client"
	"github.com/s3-dropbox/s3-dropbox/contract"
)

// TestRefusalAfterLostAnswer: an attempt that may have stored the payload (its answer
// lost, or a 504 or 502) and then a refusal (a 4xx, here from a CDN or a rotated token): the
// payload may be stored, so the client must not say it was refused (not stored), only that it
// is unknown.
func TestRefusalAfterLostAnswer(t *testing.T) {
	tests := []struct {
		name  string
		first func(w http.ResponseWriter)
	}{
		{"answer lost", func(w http.ResponseWriter) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
		}},
		{"504", func(w http.ResponseWriter) { w.WriteHeader(http.StatusGatewayTimeout) }},
		{"502", func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n, stored atomic.Int32
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					stored.Add(1) // stored, and then the answer goes astray
					tt.first(w)
					return
				}
				w.WriteHeader(http.StatusForbidden)
				w.Write([]byte("Forbidden by the CDN's rules"))
			}))
			defer ts.Close()
			c := newClient(t, ts.URL, nil, client.WithAttempts(3))
			_, err := c.Send(context.Background(), []byte("payload"))
			var e *client.Error
			if !errors.As(err, &e) {
				t.Fatalf("Send: %v, want a *client.Error", err)
			}
			if stored.Load() == 1 && e.Outcome == contract.Refused {
				t.Errorf("Send: %v: refused (not stored), but the first attempt stored the payload", err)
			}
		})
	}
}
