package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
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
//	LOAD_DROPS=10000 go test -run TestLoad -v ./e2e/
func TestLoad(t *testing.T) {
	drops := envInt(t, "LOAD_DROPS", 2000)
	clients := envInt(t, "LOAD_CLIENTS", 64)
	common := []string{
		"ADDR=127.0.0.1:0",
		"AUTH_TOKEN=" + domain.TokenDigest(facetest.AuthToken),
		"CDN_TOKEN=" + domain.TokenDigest(facetest.CDNToken),
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
		"AUTH_TOKEN=" + domain.TokenDigest(facetest.AuthToken),
		"CDN_TOKEN=" + domain.TokenDigest(facetest.CDNToken),
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

// TestLoadFromManyClients: for LOAD_SECONDS (5 by default), with default settings but a 1 MiB
// limit, attackers and naive clients at once: 3,000 silent connections and 300 idle
// keep-alive ones held from the start; slow bodies (unauthorized and authorized, 10,000 bytes
// declared, 3 sent) and slow headers opened without pause; clients that write 256 KiB bodies
// whole before reading (authorized, without a token, declared over the limit, with 16 KiB of
// headers). Meanwhile 8
// real clients drop 1 KiB payloads with an Idempotency-Key, as the sender does (and first for
// 2 s alone: the floor the figures are compared with). Every real drop is a 202 and stored,
// their p99 under a second; every naive client reads its answer; the server's peak RSS stays
// under MemoryBound, what the default cap and budget are set for.
func TestLoadFromManyClients(t *testing.T) {
	seconds := envInt(t, "LOAD_SECONDS", 5)
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir, "MAX_BODY_BYTES=1048576"))
	addr := logged(t, p, "addr")
	url := "http://" + addr

	var mu sync.Mutex
	var held []net.Conn
	hold := func(c net.Conn) {
		mu.Lock()
		held = append(held, c)
		mu.Unlock()
	}
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	}()
	alone, failures := realDrops(url, "alone", time.Now().Add(2*time.Second)) // the floor
	if len(failures) > 0 {
		t.Fatalf("without attackers, %d real drops failed, first: %s", len(failures), failures[0])
	}
	for range 3000 { // silent
		if c, err := net.DialTimeout("tcp", addr, 3*time.Second); err == nil {
			hold(c)
		}
	}
	for range 300 { // idle keep-alive
		c, err := net.DialTimeout("tcp", addr, 3*time.Second)
		if err != nil {
			continue
		}
		hold(c)
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		readStatus(c, 3*time.Second)
	}

	end := time.Now().Add(time.Duration(seconds) * time.Second)
	var wg sync.WaitGroup
	var attacks, naiveCount, naiveBad int
	var naiveFirst string
	for w := range 6 { // slow bodies and slow headers, without pause
		wg.Go(func() {
			for i := 0; time.Now().Before(end); i++ {
				c, err := net.DialTimeout("tcp", addr, time.Second)
				if err != nil {
					continue
				}
				hold(c)
				switch w % 3 {
				case 0:
					io.WriteString(c, dropHead(10000, false)+"abc")
				case 1:
					io.WriteString(c, dropHead(10000, true)+"abc")
				case 2:
					io.WriteString(c, "POST /v1/drop HTTP/1.1\r\nHost: x\r\nContent-Le")
				}
				mu.Lock()
				attacks++
				mu.Unlock()
				time.Sleep(5 * time.Millisecond) // a pace, not a synchronisation
			}
		})
	}
	body := bytes.Repeat([]byte("w"), 256<<10)
	over := make([]byte, 1<<20+1)
	naives := []struct {
		head string
		body []byte
		want []int
	}{
		{dropHead(int64(len(body)), true), body, []int{202, 503}},
		{dropHead(int64(len(body)), false), body, []int{401}},
		{dropHead(int64(len(over)), true), over, []int{413}},
		{dropHead(int64(len(body)), true, "X-Pad: "+strings.Repeat("p", 16<<10)), body, []int{431}},
	}
	var stored int
	for w := range 4 {
		wg.Go(func() {
			for i := 0; time.Now().Before(end); i++ {
				n := naives[(w+i)%len(naives)]
				status, err := naive(addr, n.head, n.body)
				mu.Lock()
				naiveCount++
				if status == 202 {
					stored++
				}
				if !slices.Contains(n.want, status) {
					naiveBad++
					if naiveFirst == "" {
						naiveFirst = fmt.Sprintf("%d, %v; want one of %v", status, err, n.want)
					}
				}
				mu.Unlock()
			}
		})
	}
	var latencies []time.Duration
	wg.Go(func() { latencies, failures = realDrops(url, "attacked", end) })
	wg.Wait()
	peak := peakRSS(t, p.cmd.Process.Pid)

	if len(latencies) == 0 || len(alone) == 0 {
		t.Fatalf("no real drop stored; failures: %v", failures[:min(len(failures), 3)])
	}
	stored += len(latencies) + len(alone)
	p50, p99 := latencies[len(latencies)/2], latencies[len(latencies)*99/100]
	a50, a99 := alone[len(alone)/2], alone[len(alone)*99/100]
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	t.Logf("alone, 2 s: %d real drops/s, p50 %s, p99 %s; under attack, %d s: %d real drops/s, p50 %s, p99 %s (p50 ×%.1f, p99 ×%.1f); %d naive clients, %d slow bodies and headers opened, 3,300 idle held; max_conns %s; peak RSS %.1f MiB",
		len(alone)/2, ms(a50), ms(a99), seconds, len(latencies)/seconds, ms(p50), ms(p99), float64(p50)/float64(a50), float64(p99)/float64(a99),
		naiveCount, attacks, maxConnsLogged(p), float64(peak)/(1<<20))
	if len(failures) > 0 {
		t.Errorf("%d real drops failed, first: %s", len(failures), failures[0])
	}
	if p99 > time.Second {
		t.Errorf("real drops' p99 %v, want under a second", p99)
	}
	if naiveBad > 0 {
		t.Errorf("%d of %d naive clients read no right answer, first: %s", naiveBad, naiveCount, naiveFirst)
	}
	if peak > MemoryBound {
		t.Errorf("peak RSS %.1f MiB, over the documented %d MiB", float64(peak)/(1<<20), MemoryBound>>20)
	}
	if got := len(files(t, dir)); got != stored {
		t.Errorf("%d files, want the %d drops answered 202", got, stored)
	}
}

// realDrops has 8 clients drop 1 KiB payloads with an Idempotency-Key each, as the sender
// does, until end; it returns the latencies of the 202s, sorted, and the other outcomes.
func realDrops(url, tag string, end time.Time) ([]time.Duration, []string) {
	var mu sync.Mutex
	var latencies []time.Duration
	var failures []string
	var wg sync.WaitGroup
	for c := range 8 {
		wg.Go(func() {
			client := fresh()
			for i := 0; time.Now().Before(end); i++ {
				payload := fmt.Sprintf("%s %d %05d %s", tag, c, i, strings.Repeat("r", 1000))
				took, failure := timedDrop(client, url+"/v1/drop", payload, fmt.Sprintf("%s-%d-%d", tag, c, i))
				mu.Lock()
				if failure != "" {
					failures = append(failures, failure)
				} else {
					latencies = append(latencies, took)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(latencies)
	return latencies, failures
}
