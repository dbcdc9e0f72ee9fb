package client_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/client"
	"github.com/s3-dropbox/s3-dropbox/client/clienttest"
	"github.com/s3-dropbox/s3-dropbox/contract"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// noWait records the waits asked for, and does not wait.
type noWait struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (n *noWait) sleep(ctx context.Context, d time.Duration) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.waits = append(n.waits, d)
	return ctx.Err()
}

// newClient returns a client of url with the CDN header and opts, whose waits between
// attempts are recorded in waits (nil: not recorded), not waited.
func newClient(t *testing.T, url string, waits *noWait, opts ...client.Option) *client.Client {
	t.Helper()
	opts = append([]client.Option{client.WithHeader(facetest.CDNHeader, "Bearer "+facetest.CDNToken)}, opts...)
	c, err := client.New(url, facetest.AuthToken, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if waits == nil {
		waits = &noWait{}
	}
	client.SetSleep(c, waits.sleep)
	return c
}

// TestExactlyOnceDespiteLostAnswers: the server stores each payload and the answers of the
// first two attempts are lost; the third attempt, with the same key, is answered as a replay.
// Every payload is stored once, with its exact bytes.
func TestExactlyOnceDespiteLostAnswers(t *testing.T) {
	url, store := clienttest.Dropbox(t, 0)
	waits := &noWait{}
	c := newClient(t, url, waits, client.WithHTTPClient(&http.Client{Transport: &clienttest.LosingTransport{Lose: 2}}))
	payloads := []string{"first payload", "second payload", "", strings.Repeat("x", 10240)}
	for _, p := range payloads {
		r, err := c.Send(context.Background(), []byte(p))
		if err != nil {
			t.Fatalf("Send(%.16q): %v", p, err)
		}
		if !r.Replayed || r.Attempts != 3 || r.IdempotencyKey == "" {
			t.Errorf("receipt %+v: want a replay at the third attempt", r)
		}
	}
	got := facetest.Payloads(store)
	if len(got) != len(payloads) {
		t.Fatalf("stored %d payloads, want %d, once each", len(got), len(payloads))
	}
	for _, p := range payloads {
		n := 0
		for _, g := range got {
			if g == p {
				n++
			}
		}
		if n != 1 {
			t.Errorf("payload %.16q stored %d times, want once", p, n)
		}
	}
	if len(waits.waits) != 2*len(payloads) {
		t.Errorf("%d waits, want 2 per payload", len(waits.waits))
	}
}

// fake answers each request with the next of answers (status, Retry-After, body), and records
// the requests' headers.
func fake(t *testing.T, answers ...[3]string) (*httptest.Server, *[]http.Header) {
	t.Helper()
	var mu sync.Mutex
	var seen []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		i := len(seen)
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
		a := answers[min(i, len(answers)-1)]
		if a[1] != "" {
			w.Header().Set("Retry-After", a[1])
		}
		var status int
		fmt.Sscan(a[0], &status)
		w.WriteHeader(status)
		io.WriteString(w, a[2])
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

// TestRetryAfter: 429 and 503 with Retry-After are retried after exactly what they say.
func TestRetryAfter(t *testing.T) {
	srv, seen := fake(t, [3]string{"429", "7", "slow down"}, [3]string{"503", "2", "not stored"}, [3]string{"202", "", ""})
	waits := &noWait{}
	r, err := newClient(t, srv.URL, waits).Send(context.Background(), []byte("p"))
	if err != nil || r.Attempts != 3 {
		t.Fatalf("Send: %+v, %v; want stored at the third attempt", r, err)
	}
	if want := []time.Duration{7 * time.Second, 2 * time.Second}; fmt.Sprint(waits.waits) != fmt.Sprint(want) {
		t.Errorf("waited %v, want %v", waits.waits, want)
	}
	keys := map[string]bool{}
	for _, h := range *seen {
		keys[h.Get("Idempotency-Key")] = true
	}
	if len(keys) != 1 {
		t.Errorf("attempts carried keys %v, want one key for all", keys)
	}
}

// TestBackoff: without Retry-After, the waits grow exponentially with full jitter: each at
// most min(max, base×2ⁿ⁻¹).
func TestBackoff(t *testing.T) {
	srv, _ := fake(t, [3]string{"502", "", ""}, [3]string{"504", "", ""}, [3]string{"503", "", ""}, [3]string{"503", "", ""}, [3]string{"503", "", ""}, [3]string{"202", "", ""})
	waits := &noWait{}
	base, ceiling := 100*time.Millisecond, 300*time.Millisecond
	if _, err := newClient(t, srv.URL, waits, client.WithBackoff(base, ceiling)).Send(context.Background(), []byte("p")); err != nil {
		t.Fatal(err)
	}
	if len(waits.waits) != 5 {
		t.Fatalf("waits %v, want 5", waits.waits)
	}
	for i, w := range waits.waits {
		if limit := min(ceiling, base<<i); w < 0 || w >= limit {
			t.Errorf("wait %d = %v, want in [0, %v)", i+1, w, limit)
		}
	}
}

// TestRefusedIsNotRetried: a 4xx is the service's refusal: one attempt, an error that says
// so, with the status and the service's message.
func TestRefusedIsNotRetried(t *testing.T) {
	for _, status := range []string{"400", "401", "413", "422"} {
		srv, seen := fake(t, [3]string{status, "", "The request body must be at most 10240 bytes"})
		_, err := newClient(t, srv.URL, nil).Send(context.Background(), []byte("p"))
		var e *client.Error
		if !errors.As(err, &e) || e.Outcome != contract.Refused || fmt.Sprint(e.Status) != status || e.Message != "The request body must be at most 10240 bytes" || e.Attempts != 1 {
			t.Errorf("%s: %#v, want a refusal after one attempt with the message", status, err)
		}
		if len(*seen) != 1 {
			t.Errorf("%s: %d requests, want 1", status, len(*seen))
		}
	}
}

// TestUnreachable: no server: every attempt fails, and the payload is not stored (no attempt connected), not refused.
func TestUnreachable(t *testing.T) {
	url := "http://" + porttest.FreeAddr(t)
	waits := &noWait{}
	_, err := newClient(t, url, waits, client.WithAttempts(4)).Send(context.Background(), []byte("p"))
	var e *client.Error
	if !errors.As(err, &e) || e.Outcome != contract.NotStored || e.Status != 0 || e.Attempts != 4 || len(waits.waits) != 3 {
		t.Errorf("%#v after %d waits, want not stored after 4 attempts: none could connect", err, len(waits.waits))
	}
	if strings.Contains(err.Error(), facetest.AuthToken) {
		t.Errorf("error %q holds the token", err)
	}
}

// TestRequest: what every attempt carries.
func TestRequest(t *testing.T) {
	srv, seen := fake(t, [3]string{"202", "", ""})
	payload := []byte(`{"sensor":"t-101"}`)
	r, err := newClient(t, srv.URL, nil).Send(context.Background(), payload, client.WithContentType("application/json"), client.WithKeyFromContent())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(payload)
	h := (*seen)[0]
	want := map[string]string{
		"Authorization":    "Bearer " + facetest.AuthToken,
		facetest.CDNHeader: "Bearer " + facetest.CDNToken,
		"Content-Type":     "application/json",
		"Content-Digest":   "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":",
		"Idempotency-Key":  fmt.Sprintf("sha256-%x", sum),
		"Content-Length":   fmt.Sprint(len(payload)),
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if r.IdempotencyKey != want["Idempotency-Key"] {
		t.Errorf("receipt key %q", r.IdempotencyKey)
	}
}

// TestMaxBytes: a payload over the limit is refused before anything is sent.
func TestMaxBytes(t *testing.T) {
	srv, seen := fake(t, [3]string{"202", "", ""})
	_, err := newClient(t, srv.URL, nil, client.WithMaxBytes(4)).Send(context.Background(), []byte("12345"))
	var e *client.Error
	if !errors.As(err, &e) || e.Outcome != contract.Refused || len(*seen) != 0 {
		t.Errorf("%v with %d requests, want a refusal and none", err, len(*seen))
	}
}

// TestNew: bad URLs and tokens are refused, and the error never holds the token.
func TestNew(t *testing.T) {
	for _, tt := range []struct{ url, token string }{
		{"ftp://x", "t"}, {"no-scheme", "t"}, {"http://", "t"}, {"http://x", ""}, {"http://x", "two words"}, {"http://x", "line\nbreak"}, {"http://x", "nul\x00"}, {"http://x", "tab\there"}, {"http://x", "é"},
	} {
		_, err := client.New(tt.url, tt.token)
		if err == nil {
			t.Errorf("New(%q, %q) succeeded", tt.url, tt.token)
		} else if tt.token != "" && tt.token != "t" && strings.Contains(err.Error(), tt.token) {
			t.Errorf("error %q holds the token", err)
		}
	}
}

// TestSlowBodyIsRetried: a 408 (the server found the body too slow; nothing stored) is retried
// with the same key, and the payload is then stored.
func TestSlowBodyIsRetried(t *testing.T) {
	srv, seen := fake(t, [3]string{"408", "", "The request body arrived too slowly"}, [3]string{"202", "", ""})
	var waits noWait
	c := newClient(t, srv.URL, &waits)
	r, err := c.Send(context.Background(), []byte("payload"))
	if err != nil || r.Attempts != 2 {
		t.Fatalf("Send: %+v, %v; want stored at the second attempt", r, err)
	}
	if len(*seen) != 2 || (*seen)[0].Get("Idempotency-Key") != (*seen)[1].Get("Idempotency-Key") {
		t.Errorf("%d attempts, want 2 with the same Idempotency-Key", len(*seen))
	}
}
