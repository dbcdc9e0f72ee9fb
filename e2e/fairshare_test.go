package e2e

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// A second client's token (alice's is facetest.AuthToken).
const bobToken = "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"

// twoClientsEnv is a filesystem server's environment with two named clients, alice and bob.
func twoClientsEnv(dir string, extra ...string) []string {
	env := fsEnv(dir, extra...)
	for i, e := range env {
		if strings.HasPrefix(e, "AUTH_TOKEN=") {
			env[i] = "AUTH_TOKEN=alice:" + domain.TokenDigest(facetest.AuthToken) + ",bob:" + domain.TokenDigest(bobToken)
		}
	}
	return env
}

// pacer is one client holding connections with bodies at just the allowed pace, opening a new
// one whenever one is answered, until stop: it counts the answers by status.
type pacer struct {
	addr     string
	length   int           // the body each declares
	chunk    int           // bytes written every tick
	tick     time.Duration // between writes
	stop     chan struct{}
	mu       sync.Mutex
	statuses map[int]int
	answered chan int // each status read, when someone listens
}

func (p *pacer) run(conns int, wg *sync.WaitGroup) { repeat(conns, wg, p.stop, p.one) }

// repeat runs one on conns goroutines, each over and over until stop is closed.
func repeat(conns int, wg *sync.WaitGroup, stop <-chan struct{}, one func()) {
	for range conns {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				one()
			}
		})
	}
}

// one holds one connection: a drop whose body arrives chunk by chunk, until its answer.
func (p *pacer) one() {
	head := dropHead(int64(p.length), true, "Content-Digest: sha-256=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:")
	s, ok := paceBody(p.addr, head, p.length, p.chunk, p.tick, p.stop)
	if !ok {
		return
	}
	p.mu.Lock()
	p.statuses[s]++
	p.mu.Unlock()
	select {
	case p.answered <- s:
	default:
	}
}

// paceBody sends head on a new connection to addr, then a body of length bytes in pieces of
// chunk, one a tick, and returns the answer's status (0 for none readable), or false when it
// could not connect or stop was closed first.
func paceBody(addr, head string, length, chunk int, tick time.Duration, stop <-chan struct{}) (int, bool) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, false
	}
	defer c.Close()
	got := make(chan int, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			got <- 0
			return
		}
		resp.Body.Close()
		got <- resp.StatusCode
	}()
	io.WriteString(c, head)
	piece := bytes.Repeat([]byte("p"), chunk)
	t := time.NewTicker(tick)
	defer t.Stop()
	for sent := 0; ; {
		select {
		case s := <-got:
			return s, true
		case <-stop:
			return 0, false
		case <-t.C:
			if sent < length {
				n, _ := c.Write(piece[:min(len(piece), length-sent)])
				sent += n
			}
		}
	}
}

// waitStatus waits until the pacer has read n answers of status within d.
func waitStatus(t *testing.T, p *pacer, status, n int, d time.Duration) {
	t.Helper()
	timeout := time.After(d)
	for seen := 0; seen < n; {
		select {
		case s := <-p.answered:
			if s == status {
				seen++
			}
		case <-timeout:
			t.Fatalf("the pacer read %d answers %d within %v, want %d (all: %v)", seen, status, d, n, p.statuses)
		}
	}
}

// bobDrops sends n drops of size bytes as bob, one after another, each on a new connection,
// and returns their statuses and times.
func bobDrops(url string, n, size int) ([]int, []time.Duration) {
	payload := bytes.Repeat([]byte("b"), size)
	var statuses []int
	var took []time.Duration
	for range n {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(payload))
		req.Header.Set("Authorization", "Bearer "+bobToken)
		req.Header.Set(facetest.CDNHeader, "Bearer "+facetest.CDNToken)
		begin := time.Now()
		resp, err := (&http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
		took = append(took, time.Since(begin))
		if err != nil {
			statuses = append(statuses, 0)
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
	}
	return statuses, took
}

// TestFairShares: with two named clients and MAX_CONNS=32, alice pacing bodies (never
// stored: a wrong Content-Digest) on 48 connections, reopened as each is answered, leaves
// bob's drops all 202 with p95 under a second, and gets 429 with Retry-After for what is over
// her share; with MAX_BODY_BYTES=6291456, alice's paced 6 MiB bodies on 8 connections leave
// room for bob's 4 MiB drops (before: 503 busy for everyone else).
func TestFairShares(t *testing.T) {
	t.Run("connections", func(t *testing.T) {
		dir := t.TempDir()
		p, _ := start(t, dir, twoClientsEnv(dir, "MAX_CONNS=32"))
		addr := logged(t, p, "addr")
		alice := &pacer{addr: addr, length: 10_000, chunk: 512, tick: 100 * time.Millisecond, stop: make(chan struct{}), statuses: map[int]int{}, answered: make(chan int, 64)}
		var wg sync.WaitGroup
		alice.run(48, &wg)
		waitStatus(t, alice, 429, 8, 5*time.Second) // she holds her share; the rest is refused
		statuses, took := bobDrops("http://"+addr+"/v1/drop", 20, 1024)
		close(alice.stop)
		wg.Wait()
		slices.Sort(took)
		p95 := took[len(took)*95/100-1]
		t.Logf("bob: statuses %v, p95 %v; alice: %v", statuses, p95, alice.statuses)
		for i, s := range statuses {
			if s != 202 {
				t.Errorf("bob's drop %d: %d, want 202", i, s)
			}
		}
		if p95 >= time.Second {
			t.Errorf("bob's p95 %v, want under a second", p95)
		}
	})
	t.Run("bytes", func(t *testing.T) {
		dir := t.TempDir()
		p, _ := start(t, dir, twoClientsEnv(dir, "MAX_BODY_BYTES=6291456"))
		addr := logged(t, p, "addr")
		alice := &pacer{addr: addr, length: 6291456, chunk: 16 << 10, tick: 100 * time.Millisecond, stop: make(chan struct{}), statuses: map[int]int{}, answered: make(chan int, 64)}
		var wg sync.WaitGroup
		alice.run(8, &wg)
		waitStatus(t, alice, 429, 6, 10*time.Second)
		statuses, took := bobDrops("http://"+addr+"/v1/drop", 5, 4<<20)
		close(alice.stop)
		wg.Wait()
		t.Logf("bob: statuses %v, took %v; alice: %v", statuses, took, alice.statuses)
		for i, s := range statuses {
			if s != 202 {
				t.Errorf("bob's 4 MiB drop %d: %d, want 202", i, s)
			}
		}
	})
}
