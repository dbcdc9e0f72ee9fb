package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// TestLoad drives the server binary with LOAD_DROPS drops (2,000 by default; the figures
// of docs/testing.md are for 10,000) from LOAD_CLIENTS concurrent clients (64), into the filesystem store
// and into MinIO. Every 202 must be stored exactly once with its exact bytes, under a key of
// its own; no request may fail. It reports requests/s, p50 and p99 latency and the server's
// peak RSS; it asserts no timing.
//
//	LOAD_DROPS=10000 go test -run TestLoad -v ./cmd/s3-dropbox/
func TestLoad(t *testing.T) {
	drops := envInt(t, "LOAD_DROPS", 2000)
	clients := envInt(t, "LOAD_CLIENTS", 64)
	common := []string{
		"ADDR=127.0.0.1:0",
		"AUTH_TOKEN=" + domain.ServerToken(facetest.AuthToken),
		"CDN_TOKEN=" + domain.ServerToken(facetest.CDNToken),
		"CDN_TOKEN_HTTP_HEADER_NAME=" + facetest.CDNHeader,
	}

	t.Run("filesystem", func(t *testing.T) {
		dir := t.TempDir()
		p, _ := start(t, dir, append(common, "STORAGE=filesystem", "STORAGE_DIR="+filepath.Join(dir, "drops")))
		sent := load(t, p, drops, clients)
		stored := map[string][]byte{}
		for k, v := range files(t, dir) {
			stored[k] = []byte(v)
		}
		checkExactlyOnce(t, sent, stored)
	})

	t.Run("minio", func(t *testing.T) {
		srv := miniotest.Require(t)
		client := srv.Client(t)
		bucket := srv.NewBucket(t, client)
		p, _ := start(t, t.TempDir(), append(common, "STORAGE=s3", "BUCKET="+bucket,
			"S3_ENDPOINT_URL="+srv.Endpoint, "AWS_REGION="+srv.Region,
			"AWS_ACCESS_KEY_ID="+srv.AccessKey, "AWS_SECRET_ACCESS_KEY="+srv.SecretKey))
		sent := load(t, p, drops, clients)
		checkExactlyOnce(t, sent, miniotest.Objects(t, client, bucket))
	})
}

func envInt(t *testing.T, key string, def int) int {
	t.Helper()
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive number", key, v)
	}
	return n
}

// load sends n distinct drops from c clients and returns the payloads that got 202.
func load(t *testing.T, p *process, n, c int) map[string]bool {
	t.Helper()
	addr := regexp.MustCompile(`"addr":"([^"]+)"`).FindStringSubmatch(p.stdout.String())
	if addr == nil {
		t.Fatalf("no address in %s", p.stdout)
	}
	url := "http://" + addr[1] + "/v1/drop"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c}, Timeout: 30 * time.Second}

	jobs := make(chan int)
	var mu sync.Mutex
	sent := make(map[string]bool, n)
	latencies := make([]time.Duration, 0, n)
	var failures []string
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Go(func() {
			for i := range jobs {
				pad := make([]byte, 50+i%1000)
				rand.Read(pad)
				payload := fmt.Sprintf("load %06d %s", i, hex.EncodeToString(pad))
				took, failure := timedDrop(client, url, payload, "")
				mu.Lock()
				if failure != "" {
					failures = append(failures, failure)
				} else {
					sent[payload] = true
					latencies = append(latencies, took)
				}
				mu.Unlock()
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	rss := fmt.Sprintf("%.1f MiB", float64(peakRSS(t, p.cmd.Process.Pid))/(1<<20))

	if len(failures) > 0 {
		t.Errorf("%d of %d drops failed (none were injected), first: %s", len(failures), n, failures[0])
	}
	slices.Sort(latencies)
	if len(latencies) > 0 {
		t.Logf("%d drops, %d clients: %.0f requests/s, p50 %v, p99 %v, server peak RSS %s",
			n, c, float64(len(latencies))/elapsed.Seconds(),
			latencies[len(latencies)/2].Round(10*time.Microsecond),
			latencies[len(latencies)*99/100].Round(10*time.Microsecond), rss)
	}
	return sent
}

// checkExactlyOnce asserts that the objects are exactly the accepted payloads, each once,
// under distinct keys.
func checkExactlyOnce(t *testing.T, sent map[string]bool, objects map[string][]byte) {
	t.Helper()
	if len(objects) != len(sent) {
		t.Errorf("%d objects stored for %d accepted drops", len(objects), len(sent))
	}
	seen := make(map[string]bool, len(objects))
	for key, b := range objects {
		switch p := string(b); {
		case !sent[p]:
			t.Fatalf("object %s holds %.30q…, not a payload that was accepted", key, b)
		case seen[p]:
			t.Fatalf("payload %.20q… stored twice", b)
		default:
			seen[p] = true
		}
		if !facetest.KeyPattern.MatchString(key) {
			t.Errorf("key %q has not the original's format", key)
		}
	}
}

// TestKilledMidLoad: the server, storing into a folder, is killed (SIGKILL) while 16 clients
// send drops. Every drop answered 202 is on disk, whole, once; every file is one payload whole
// (none a prefix); and the server restarted on the folder leaves no temporary file and serves.
func TestKilledMidLoad(t *testing.T) {
	dir := t.TempDir()
	env := []string{
		"ADDR=127.0.0.1:0", "STORAGE=filesystem", "STORAGE_DIR=" + filepath.Join(dir, "drops"),
		"AUTH_TOKEN=" + domain.ServerToken(facetest.AuthToken),
		"CDN_TOKEN=" + domain.ServerToken(facetest.CDNToken),
		"CDN_TOKEN_HTTP_HEADER_NAME=" + facetest.CDNHeader,
	}
	p, _ := start(t, dir, env)
	url := "http://" + regexp.MustCompile(`"addr":"([^"]+)"`).FindStringSubmatch(p.stdout.String())[1] + "/v1/drop"

	var mu sync.Mutex
	sent := map[string]bool{} // every payload sent, and whether it was answered 202
	var wg sync.WaitGroup
	var stop atomic.Bool
	const killAfter = 200 // drops answered 202, while the 16 clients go on sending
	var stored atomic.Int64
	midLoad := make(chan struct{})
	for c := range 16 {
		wg.Go(func() {
			client := &http.Client{Timeout: 5 * time.Second}
			for i := 0; !stop.Load(); i++ {
				payload := fmt.Sprintf("client %02d drop %05d ", c, i) + strings.Repeat("x", 1000+37*i%3000)
				mu.Lock()
				sent[payload] = false
				mu.Unlock()
				req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(payload))
				req.Header.Set("Authorization", "Bearer "+facetest.AuthToken)
				req.Header.Set(facetest.CDNHeader, "Bearer "+facetest.CDNToken)
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				resp.Body.Close()
				if resp.StatusCode == 202 {
					mu.Lock()
					sent[payload] = true
					mu.Unlock()
					if stored.Add(1) == killAfter {
						close(midLoad)
					}
				}
			}
		})
	}
	select {
	case <-midLoad:
	case err := <-p.done:
		t.Fatalf("the server exited under load before the kill: %v", err)
	}
	p.cmd.Process.Kill()
	stop.Store(true)
	wg.Wait()

	accepted, seen := 0, map[string]bool{}
	for name, data := range files(t, dir) {
		if _, ok := sent[data]; !ok {
			t.Errorf("file %s holds %d bytes that are no payload sent whole", name, len(data))
		}
		if seen[data] {
			t.Errorf("payload %.24q stored twice", data)
		}
		seen[data] = true
	}
	for payload, ok := range sent {
		if ok {
			accepted++
			if !seen[payload] {
				t.Errorf("payload %.24q was answered 202 and is not on disk", payload)
			}
		}
	}
	if accepted == 0 {
		t.Fatal("no drop was accepted before the kill: the test tests nothing")
	}
	t.Logf("%d drops sent, %d answered 202, %d on disk", len(sent), accepted, len(seen))

	start(t, dir, env)
	if left, err := os.ReadDir(filepath.Join(dir, "drops", ".tmp")); err != nil || len(left) != 0 {
		t.Errorf("after the restart: temporary files %v, %v; want none", left, err)
	}
}
