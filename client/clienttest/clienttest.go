// Package clienttest serves the tests of the client and of the sender: the real dropbox (the
// core and the HTTP adapter over memory) on loopback, and a transport that loses answers after
// the server acted on the requests.
package clienttest

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// Dropbox serves the real service over memstore on loopback, with the tests' tokens
// (facetest) and the payload limit maxBytes (0: the default), until the test ends. It returns
// the drop URL and the store.
func Dropbox(t testing.TB, maxBytes int) (string, *memstore.Store) {
	t.Helper()
	core, store := facetest.MemCore(t, func(cfg *domain.Config) { cfg.MaxBytes = maxBytes })
	srv := httptest.NewServer(httpserver.NewHandler(core, httpface.NewRecorder(slog.New(slog.DiscardHandler), "")))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1/drop", store
}

// ErrLostAnswer is what LosingTransport returns in place of an answer it drops.
var ErrLostAnswer = errors.New("read: connection reset by peer (injected after the server acted)")

// LosingTransport sends every request and waits for its answer; for the first Lose attempts
// of each Idempotency-Key it then drops the answer and returns ErrLostAnswer: the server
// acted, the client cannot know.
type LosingTransport struct {
	Lose int

	mu       sync.Mutex
	attempts map[string]int
}

// RoundTrip sends req and returns its answer, or ErrLostAnswer.
func (l *LosingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.attempts == nil {
		l.attempts = map[string]int{}
	}
	key := req.Header.Get("Idempotency-Key")
	l.attempts[key]++
	if l.attempts[key] > l.Lose {
		return resp, nil
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil, ErrLostAnswer
}
