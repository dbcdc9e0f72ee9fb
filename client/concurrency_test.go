package client_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/client"
	"github.com/s3-dropbox/s3-dropbox/client/clienttest"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

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
