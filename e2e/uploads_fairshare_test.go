package e2e

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// uploader is alice holding PATCHes of uploads at just the allowed pace on conns connections:
// each creates an upload, PATCHes its whole length chunk by chunk, and starts again once
// answered, until stop. It counts the answers by request (POST, PATCH) and status.
type uploader struct {
	addr     string
	length   int
	chunk    int
	tick     time.Duration
	stop     chan struct{}
	mu       sync.Mutex
	statuses map[string]int // "PATCH 429" → count
	refused  chan struct{}  // a PATCH answered 429, when someone listens
}

func (u *uploader) count(method string, status int) {
	u.mu.Lock()
	u.statuses[fmt.Sprintf("%s %d", method, status)]++
	u.mu.Unlock()
	if method == http.MethodPatch && status == http.StatusTooManyRequests {
		select {
		case u.refused <- struct{}{}:
		default:
		}
	}
}

func (u *uploader) run(conns int, wg *sync.WaitGroup) { repeat(conns, wg, u.stop, u.one) }

// one creates an upload and holds one PATCH of it until its answer.
func (u *uploader) one() {
	req, _ := http.NewRequest(http.MethodPost, "http://"+u.addr+"/v1/uploads", nil)
	req.Header.Set("Authorization", "Bearer "+facetest.AuthToken)
	req.Header.Set(facetest.CDNHeader, "Bearer "+facetest.CDNToken)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Length", fmt.Sprint(u.length))
	resp, err := (&http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	u.count(http.MethodPost, resp.StatusCode)
	if resp.StatusCode == http.StatusTooManyRequests {
		// As a tus client does: it waits the Retry-After it was told (pacing, not a flood of
		// new connections, which the connection cap meets on its own: TestFairShares).
		select {
		case <-u.stop:
		case <-time.After(time.Second):
		}
		return
	}
	if resp.StatusCode != http.StatusCreated {
		return
	}
	head := fmt.Sprintf("PATCH %s HTTP/1.1\r\nHost: dropbox\r\nContent-Length: %d\r\nAuthorization: Bearer %s\r\n%s: Bearer %s\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n\r\n",
		resp.Header.Get("Location"), u.length, facetest.AuthToken, facetest.CDNHeader, facetest.CDNToken)
	if s, ok := paceBody(u.addr, head, u.length, u.chunk, u.tick, u.stop); ok {
		u.count(http.MethodPatch, s)
	}
}

// waitRefused waits until alice has read n PATCH answers 429 within d.
func waitRefused(t *testing.T, u *uploader, n int, d time.Duration) {
	t.Helper()
	timeout := time.After(d)
	for seen := 0; seen < n; seen++ {
		select {
		case <-u.refused:
		case <-timeout:
			u.mu.Lock()
			defer u.mu.Unlock()
			t.Fatalf("alice read %d PATCH answers 429 within %v, want %d (all: %v)", seen, d, n, u.statuses)
		}
	}
}

// TestUploadsInFairShares: uploads take part in the per-client shares. Alice holding PATCHes
// of her uploads at the allowed pace (a new upload whenever one is answered) leaves bob's
// drops all 202 with p95 under a second, and gets 429 for the PATCHes over her share: with
// MAX_CONNS=32, 48 PATCHes (her share of the requests in progress); with
// MAX_INFLIGHT_BYTES=8 MiB, 8 PATCHes of 1 MiB, each holding a part of the folder store
// (1 MiB) and the body's bytes (her share of the bytes in flight), beside bob's 1 MiB drops.
func TestUploadsInFairShares(t *testing.T) {
	tests := []struct {
		name          string
		env           []string
		conns         int
		length, chunk int
		bobSize       int
	}{
		{"requests in progress", []string{"MAX_CONNS=32"}, 48, 10_000, 512, 1024},
		{"bytes in flight", []string{"MAX_INFLIGHT_BYTES=8388608", "MAX_BODY_BYTES=1048576"}, 8, 1 << 20, 64 << 10, 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p, _ := start(t, dir, twoClientsEnv(dir, append(tt.env, "MAX_UPLOAD_BYTES=1073741824")...))
			addr := logged(t, p, "addr")
			alice := &uploader{addr: addr, length: tt.length, chunk: tt.chunk, tick: 100 * time.Millisecond,
				stop: make(chan struct{}), statuses: map[string]int{}, refused: make(chan struct{}, 64)}
			var wg sync.WaitGroup
			alice.run(tt.conns, &wg)
			waitRefused(t, alice, 4, 10*time.Second) // she holds her share; the rest is refused
			statuses, took := bobDrops("http://"+addr+"/v1/drop", 10, tt.bobSize)
			close(alice.stop)
			wg.Wait()
			slices.Sort(took)
			p95 := took[len(took)*95/100-1]
			t.Logf("bob: statuses %v, p95 %v; alice: %v", statuses, p95, alice.statuses)
			for i, s := range statuses {
				if s != http.StatusAccepted {
					t.Errorf("bob's drop %d: %d, want 202", i, s)
				}
			}
			if p95 >= time.Second {
				t.Errorf("bob's p95 %v, want under a second", p95)
			}
		})
	}
}
