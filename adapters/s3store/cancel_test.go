package s3store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// cancelPoint is where the endpoint of TestCancelAtEveryPoint holds a PUT until its
// client gives up, and what it does with the write.
type cancelPoint int

const (
	holdBeforeBody cancelPoint = iota // holds before reading the body; never commits
	holdAfterBody                     // reads the body, holds; never commits
	holdThenCommit                    // reads the body, holds, commits once the client is gone
	commitThenHold                    // reads the body, commits, holds
	nCancelPoints
)

// TestCancelAtEveryPoint: the request's context ends at every point of a write (before
// it is sent, while it is sent, after S3 committed it, and while S3 still holds a body it
// commits after the client has gone), through the real SDK and s3store. Whenever the object is
// committed, Create must answer nil or ErrUnknown: never an error that says nothing was written.
func TestCancelAtEveryPoint(t *testing.T) {
	var mu sync.Mutex
	committed := map[string]bool{}
	held := map[string]chan struct{}{} // closed when the endpoint holds the key's PUT
	gone := map[string]chan struct{}{} // closed when the key's client has given up
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		var point cancelPoint
		fmt.Sscanf(key, "k%d-", &point)
		mu.Lock()
		at, left := held[key], gone[key]
		mu.Unlock()
		hold := func() {
			close(at)
			<-left
		}
		switch point {
		case holdBeforeBody:
			hold()
			return
		}
		if _, err := io.ReadAll(r.Body); err != nil {
			return
		}
		switch point {
		case holdAfterBody:
			hold()
		case holdThenCommit:
			hold()
			mu.Lock()
			committed[key] = true
			mu.Unlock()
		case commitThenHold:
			mu.Lock()
			committed[key] = true
			mu.Unlock()
			hold()
		}
	}))
	client := miniotest.Server{Endpoint: srv.URL, AccessKey: "AKIDCANCEL", SecretKey: "cancel-secret", Region: "us-east-1"}.QuickClient(t)
	store := s3store.New(client, "bucket")

	type result struct {
		key string
		err error
	}
	var results []result
	for i := range 200 {
		point := cancelPoint(i % int(nCancelPoints))
		key := fmt.Sprintf("k%d-%d", point, i)
		at, left := make(chan struct{}), make(chan struct{})
		mu.Lock()
		held[key], gone[key] = at, left
		mu.Unlock()
		ctx, cancel := context.WithCancel(context.Background())
		early := i%5 == 4 // give up after a moment, wherever the write is
		go func() {
			if early {
				t := time.NewTimer(time.Duration(i%7) * 100 * time.Microsecond)
				defer t.Stop()
				select {
				case <-t.C:
				case <-at:
				}
			} else {
				<-at
			}
			cancel()
			close(left)
		}()
		err := store.Create(ctx, ports.Object{Key: key, Data: []byte(strings.Repeat("x", 64<<10))})
		cancel()
		results = append(results, result{key, err})
	}
	srv.Close() // waits for every handler: the writes committed after their clients left are in
	mu.Lock()
	defer mu.Unlock()
	n := 0
	for _, r := range results {
		if !committed[r.key] {
			continue
		}
		n++
		if r.err != nil && !errors.Is(r.err, ports.ErrUnknown) {
			t.Errorf("%s: committed, but Create answered %v: an error that says nothing was written", r.key, r.err)
		}
	}
	t.Logf("%d writes, %d committed", len(results), n)
	if n == 0 {
		t.Error("no write was committed: the test reached none of the points it attacks")
	}
}
