package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/client"
	"github.com/s3-dropbox/s3-dropbox/client/clienttest"
	"github.com/s3-dropbox/s3-dropbox/contract"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

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

// TestPayloadHoldingToken: a payload that holds the client token (a copy of the token
// file, a configuration dumped whole) is refused without being sent: it would be stored,
// where whoever reads the bucket reads it.
func TestPayloadHoldingToken(t *testing.T) {
	srv, seen := fake(t, [3]string{"202", "", ""})
	_, err := newClient(t, srv.URL, nil).Send(context.Background(), []byte("token = "+facetest.AuthToken+"\n"))
	var e *client.Error
	if !errors.As(err, &e) || e.Outcome != contract.Refused || e.Attempts != 0 || len(*seen) != 0 {
		t.Errorf("%v after %d request(s); want refused, not sent", err, len(*seen))
	}
}

// TestLargePayloadOverTheServiceLimit: a payload of 6 MiB to a dropbox whose limit is
// 10 KiB (dev mode's default) is refused at the first attempt (413, exit 1 in the sender),
// even though the server answers before it has read the body and closes the connection.
func TestLargePayloadOverTheServiceLimit(t *testing.T) {
	url, store := clienttest.Dropbox(t, 10240)
	for range 5 {
		_, err := newClient(t, url, nil).Send(context.Background(), make([]byte, contract.MaxPayloadBytes))
		var e *client.Error
		if !errors.As(err, &e) || e.Outcome != contract.Refused || e.Status != http.StatusRequestEntityTooLarge || e.Attempts != 1 {
			t.Errorf("%v: want refused, 413, after one attempt", err)
		}
	}
	if got := facetest.Payloads(store); len(got) != 0 {
		t.Errorf("%d stored, want none", len(got))
	}
}
