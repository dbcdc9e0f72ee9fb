package httpserver_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/mocks"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// serve runs the handler over a store behind a real HTTP server on loopback, and returns its
// URL and the log.
func serve(t *testing.T, store ports.ObjectStore, opts ...httpserver.Option) (string, *httpserver.Handler, *syncBuffer) {
	t.Helper()
	core := facetest.Core(t, store)
	logs := &syncBuffer{}
	h := httpserver.NewHandler(core, httpface.NewRecorder(slog.New(slog.NewJSONHandler(logs, nil)), ""), opts...)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL, h, logs
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestInflightBytes: with the budget of body bytes taken by drops in flight, another drop is
// answered 503 with Retry-After, says it was not stored, stores nothing, and is logged with the
// reason busy; once the first ones are done, drops are served again.
func TestInflightBytes(t *testing.T) {
	mem := memstore.New()
	release := make(chan struct{})
	entered := make(chan struct{}, 8)
	store := &mocks.ObjectStoreMock{CreateFunc: func(ctx context.Context, obj ports.Object) error {
		entered <- struct{}{}
		<-release
		return mem.Create(ctx, obj)
	}}
	url, _, logs := serve(t, store, httpserver.WithMaxInflightBytes(2*10241))
	payload := bytes.Repeat([]byte("x"), 10240)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if resp := facetest.Post(t, url+"/v1/drop", facetest.CDNHeader, string(payload)); resp.StatusCode != 202 {
				t.Errorf("held drop: %d, want 202", resp.StatusCode)
			}
		})
	}
	<-entered
	<-entered // both hold their bodies, in the store
	resp := facetest.Post(t, url+"/v1/drop", facetest.CDNHeader, string(payload))
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("over the budget: %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if !strings.Contains(logs.String(), `"reason":"busy"`) {
		t.Errorf("no line with reason busy in %s", logs)
	}
	close(release)
	wg.Wait()
	if n := len(mem.Keys()); n != 2 {
		t.Errorf("%d objects, want the two held drops", n)
	}
	if resp := facetest.Post(t, url+"/v1/drop", facetest.CDNHeader, string(payload)); resp.StatusCode != 202 {
		t.Errorf("after: %d, want 202 (the budget given back)", resp.StatusCode)
	}
}

// TestProbes: /healthz is 200 always; /readyz is 200 until storage fails five drops in a row
// (503 "storage failing"), until the store's own check fails (503), and from when draining
// begins; a success makes it ready again.
func TestProbes(t *testing.T) {
	var mu sync.Mutex
	failing, checkErr := false, error(nil)
	mem := memstore.New()
	store := &mocks.ObjectStoreMock{CreateFunc: func(ctx context.Context, obj ports.Object) error {
		mu.Lock()
		defer mu.Unlock()
		if failing {
			return errors.New("injected: access denied")
		}
		return mem.Create(ctx, obj)
	}}
	check := func(context.Context) error { mu.Lock(); defer mu.Unlock(); return checkErr }
	url, h, _ := serve(t, store, httpserver.WithReadiness(check))
	ready := func(want int, why string) {
		t.Helper()
		if code, body := get(t, url+httpserver.ReadyPath); code != want || !strings.Contains(body, why) {
			t.Errorf("/readyz: %d %q, want %d %q", code, body, want, why)
		}
		if code, _ := get(t, url+httpserver.HealthPath); code != 200 {
			t.Errorf("/healthz: %d, want 200", code)
		}
	}
	ready(200, "ready")
	mu.Lock()
	failing = true
	mu.Unlock()
	for i := range 5 {
		if i == 4 {
			ready(200, "ready") // four failures are not yet a run
		}
		facetest.Post(t, url+"/v1/drop", facetest.CDNHeader, "p")
	}
	ready(503, "storage failing")
	mu.Lock()
	failing = false
	mu.Unlock()
	facetest.Post(t, url+"/v1/drop", facetest.CDNHeader, "p")
	ready(200, "ready")
	mu.Lock()
	checkErr = errors.New("read-only file system")
	mu.Unlock()
	ready(503, "storage unusable")
	mu.Lock()
	checkErr = nil
	mu.Unlock()
	ready(200, "ready")
	h.Drain()
	ready(503, "draining")
}

// TestProbesStillClock: failures that take no time by the clock still count against
// /readyz (in a synctest bubble the clock does not move while the store answers at once).
func TestProbesStillClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &mocks.ObjectStoreMock{CreateFunc: func(context.Context, ports.Object) error {
			return errors.New("injected: access denied")
		}}
		h := httpserver.NewHandler(facetest.Core(t, store), httpface.Recorder{Log: slog.New(slog.DiscardHandler)})
		for range 5 {
			req := httptest.NewRequest(http.MethodPost, "/v1/drop", strings.NewReader("p"))
			req.Header.Set("Authorization", "Bearer "+facetest.AuthToken)
			req.Header.Set(facetest.CDNHeader, "Bearer "+facetest.CDNToken)
			req.Header.Set("Content-Length", "1")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if got, want := rec.Code, http.StatusServiceUnavailable; got != want {
				t.Fatalf("drop: %d, want %d", got, want)
			}
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, httpserver.ReadyPath, nil))
		if got, want := rec.Code, http.StatusServiceUnavailable; got != want {
			t.Errorf("/readyz after five failed drops: %d %q, want %d", got, rec.Body, want)
		}
	})
}

// TestDrainOverHTTP: Server.Serve, its context ended, answers /readyz 503 and still serves drops for
// the drain period, then closes the listener and returns.
func TestDrainOverHTTP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	core := facetest.Core(t, memstore.New())
	srv := &httpserver.Server{Handler: httpserver.NewHandler(core, quiet()), Log: slog.New(slog.DiscardHandler), DrainPeriod: 700 * time.Millisecond}
	draining := make(chan struct{})
	httpserver.SetTestHooks(srv, func() { close(draining) }, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	if code, _ := get(t, url+httpserver.ReadyPath); code != 200 {
		t.Fatalf("/readyz before: %d", code)
	}
	cancel()
	<-draining
	if code, _ := get(t, url+httpserver.ReadyPath); code != 503 {
		t.Errorf("/readyz while draining: %d, want 503", code)
	}
	if resp := facetest.Post(t, url+"/v1/drop", facetest.CDNHeader, "during the drain"); resp.StatusCode != 202 {
		t.Errorf("drop while draining: %d, want 202", resp.StatusCode)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if _, err := http.Get(url + httpserver.HealthPath); err == nil {
		t.Error("the listener still accepts after the drain")
	}
}

// TestConnectionCap: at the cap, idle keep-alive connections are closed to let a new client in
// (rather than it waiting for one to time out).
func TestConnectionCap(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	core := facetest.Core(t, memstore.New())
	const max, held = 8, 20
	srv := &httpserver.Server{Handler: httpserver.NewHandler(core, quiet()), Log: slog.New(slog.DiscardHandler), MaxConns: max}
	var evicted atomic.Int64
	httpserver.SetTestHooks(srv, nil, func() { evicted.Add(1) })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go srv.Serve(ctx, ln)
	var idle []*http.Client
	for range held { // each its own keep-alive connection, left idle
		c := &http.Client{Transport: &http.Transport{}}
		resp, err := c.Get(url + httpserver.HealthPath)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		idle = append(idle, c)
	}
	before := evicted.Load()
	if resp := facetest.Post(t, url+"/v1/drop", facetest.CDNHeader, "new client"); resp.StatusCode != 202 {
		t.Errorf("new client: %d, want 202", resp.StatusCode)
	}
	// Each connection beyond the cap was let in by closing an idle one: none waited for a
	// timeout.
	if before != held-max || evicted.Load() != held-max+1 {
		t.Errorf("%d connections closed to make room for the held ones, %d in all; want %d, %d", before, evicted.Load(), held-max, held-max+1)
	}
	for _, c := range idle {
		c.CloseIdleConnections()
	}
}
