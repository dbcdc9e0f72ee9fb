package client_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/client"
)

// TestRetryAfterWaits: every form of Retry-After a server may send on a 503 waits at most the
// longest wait (20 s by default, or the one WithBackoff sets); a date in the past or 0 waits
// nothing; a negative, a fraction or garbage falls back to the backoff; of two headers, the
// first counts.
func TestRetryAfterWaits(t *testing.T) {
	tests := []struct {
		values   []string
		opts     []client.Option
		min, max time.Duration
	}{
		{[]string{"86400"}, nil, client.DefaultMaxBackoff, client.DefaultMaxBackoff},
		{[]string{"99999999999999999999999"}, nil, client.DefaultMaxBackoff, client.DefaultMaxBackoff},
		{[]string{"Fri, 01 Jan 2100 00:00:00 GMT"}, nil, client.DefaultMaxBackoff, client.DefaultMaxBackoff},
		{[]string{"86400"}, []client.Option{client.WithBackoff(time.Second, 5*time.Second)}, 5 * time.Second, 5 * time.Second},
		{[]string{"86400"}, []client.Option{client.WithBackoff(time.Second, client.MaxBackoffLimit)}, client.MaxBackoffLimit, client.MaxBackoffLimit},
		{[]string{"Sat, 01 Jan 2000 00:00:00 GMT"}, nil, 0, 0},
		{[]string{"Mon, 01 Jan 2001 00:00:00 GMT"}, nil, 0, 0},
		{[]string{"0"}, nil, 0, 0},
		{[]string{"3"}, nil, 3 * time.Second, 3 * time.Second},
		{[]string{"-5"}, nil, 0, client.DefaultBackoff},
		{[]string{"1.5"}, nil, 0, client.DefaultBackoff},
		{[]string{"soon"}, nil, 0, client.DefaultBackoff},
		{[]string{"3", "86400"}, nil, 3 * time.Second, 3 * time.Second},
	}
	for _, tt := range tests {
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				for _, v := range tt.values {
					w.Header().Add("Retry-After", v)
				}
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.WriteHeader(http.StatusAccepted)
		}))
		waits := &noWait{}
		_, err := newClient(t, srv.URL, waits, tt.opts...).Send(context.Background(), []byte("p"))
		srv.Close()
		if err != nil || len(waits.waits) != 1 || waits.waits[0] < tt.min || waits.waits[0] > tt.max {
			t.Errorf("Retry-After %q: %v, waited %v; want one wait in [%v, %v]", tt.values, err, waits.waits, tt.min, tt.max)
		}
	}
}
