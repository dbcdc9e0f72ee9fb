package e2e

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/internal/buildtest"
)

// TestSenderThroughFaultsMinIO: s3-dropbox-send (the binary) sends 120 files, 8 at a time, to the
// server binary (STORAGE=s3) through a fault proxy, and the server writes to MinIO through
// another: 25% of the drops are lost or reset before or after the server got them, or
// answered 503 without reaching it; 30% of the S3 requests meet the chaos audit's faults
// (lost, reset, 500, 503 SlowDown, 409). Once 40 drops have passed, the server is SIGKILLed
// and started again (the proxy answers 502 meanwhile). Every payload the sender reports
// stored is in the bucket exactly once; none is there twice; none is refused. The faults are
// drawn from FAULT_SEED (printed; random when unset), in the order the requests come.
func TestSenderThroughFaultsMinIO(t *testing.T) {
	srv := miniotest.Require(t)
	seed := miniotest.FaultSeed(t)
	sender := buildtest.Command(t, buildtest.Module+"/cmd/s3-dropbox-send")
	plain := srv.Client(t)
	bucket := srv.NewBucket(t, plain)

	s3Faults := drawFaults(seed, 0.30, []miniotest.Fault{miniotest.LostBefore, miniotest.LostAfter, miniotest.ResetBefore,
		miniotest.ResetAfter, miniotest.Error500Before, miniotest.Error500After, miniotest.SlowDown, miniotest.Conflict})
	s3Proxy := miniotest.NewFaultProxy(t, srv.Endpoint, func(*http.Request) miniotest.Fault { return s3Faults() })
	dir := t.TempDir()
	env := []string{
		"ADDR=127.0.0.1:0", "STORAGE=s3", "BUCKET=" + bucket,
		"AUTH_TOKEN=" + domain.TokenDigest(facetest.AuthToken),
		"CDN_TOKEN=" + domain.TokenDigest(facetest.CDNToken),
		"CDN_TOKEN_HTTP_HEADER_NAME=" + facetest.CDNHeader,
		"S3_ENDPOINT_URL=" + s3Proxy.URL, "AWS_REGION=" + srv.Region,
		"AWS_ACCESS_KEY_ID=" + srv.AccessKey, "AWS_SECRET_ACCESS_KEY=" + srv.SecretKey,
	}
	addr := regexp.MustCompile(`"addr":"([^"]+)"`)
	p, _ := start(t, dir, env)

	dropFaults := drawFaults(seed+1, 0.25, []miniotest.Fault{miniotest.LostBefore, miniotest.LostAfter, miniotest.ResetBefore,
		miniotest.ResetAfter, miniotest.SlowDown})
	var (
		mu     sync.Mutex
		passed int
		kill   = make(chan struct{})
	)
	dropProxy := miniotest.NewFaultProxy(t, "http://"+addr.FindStringSubmatch(p.stdout.String())[1], func(*http.Request) miniotest.Fault {
		mu.Lock()
		defer mu.Unlock()
		if passed++; passed == 40 {
			close(kill)
		}
		return dropFaults()
	})

	const files = 120
	payloads := make(map[string]string, files) // by file
	args := []string{"-url", dropProxy.URL + "/v1/drop", "-token-file", filepath.Join(dir, "token"),
		"-H", facetest.CDNHeader + ": Bearer " + facetest.CDNToken, "-json", "-parallel", "8", "-attempts", "30", "-timeout", "10s"}
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte(facetest.AuthToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range files {
		name := filepath.Join(dir, fmt.Sprintf("payload-%02d.txt", i))
		payloads[name] = fmt.Sprintf("sender audit %d payload %02d %s", seed, i, strings.Repeat("y", 50*i))
		if err := os.WriteFile(name, []byte(payloads[name]), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, name)
	}
	cmd := exec.Command(sender, args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start0 := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })

	var exit error
	select {
	case <-kill:
		p.cmd.Process.Kill()
		<-p.done
		p, _ = start(t, dir, env)
		dropProxy.SetTarget("http://" + addr.FindStringSubmatch(p.stdout.String())[1])
		exit = <-done
	case exit = <-done:
		t.Fatalf("the sender finished before the server was killed: %v\n%s", exit, stderr.String())
	}
	took := time.Since(start0)

	counts := map[string]int{}
	byMD5 := map[string]string{}
	for _, body := range payloads {
		sum := md5.Sum([]byte(body))
		byMD5[hex.EncodeToString(sum[:])] = body
	}
	for k, tag := range miniotest.ETags(t, plain, bucket) {
		switch body, ok := byMD5[tag]; {
		case strings.HasPrefix(k, domain.RecordPrefix):
		case !ok:
			t.Errorf("object %s (ETag %s) is not a payload sent, whole", k, tag)
		default:
			counts[body]++
		}
	}
	outcomes := map[string]int{}
	dec := json.NewDecoder(strings.NewReader(stdout.String()))
	for dec.More() {
		var r struct {
			File, Outcome string
			Status        int
		}
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("sender output %q: %v", stdout.String(), err)
		}
		outcomes[r.Outcome]++
		body, ok := payloads[r.File]
		switch {
		case !ok:
			t.Errorf("the sender reports a file it was not given: %+v", r)
		case r.Outcome == "stored" || r.Outcome == "replayed":
			if counts[body] != 1 {
				t.Errorf("%s: reported %s, and stored %d times", filepath.Base(r.File), r.Outcome, counts[body])
			}
		case r.Outcome == "refused":
			t.Errorf("%s: refused (%d): nothing in this run is a refusal", filepath.Base(r.File), r.Status)
		}
	}
	for file, body := range payloads {
		if counts[body] > 1 {
			t.Errorf("%s: stored %d times", filepath.Base(file), counts[body])
		}
	}
	t.Logf("seed %d: %d files in %v, sender %v; outcomes %v; drop faults %v; S3 faults %v",
		seed, files, took.Round(time.Millisecond), exit, outcomes, dropProxy.Counts(), s3Proxy.Counts())
	if n := outcomes["stored"] + outcomes["replayed"]; n < files/2 {
		t.Errorf("%d of %d files reported stored: the audit tests too little\n%s", n, files, stderr.String())
	}
}

// drawFaults returns a source of faults, safe for concurrent use: one of faults for a share
// (rate) of the calls, else Pass, drawn from seed in the order of the calls.
func drawFaults(seed uint64, rate float64, faults []miniotest.Fault) func() miniotest.Fault {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	return func() miniotest.Fault {
		mu.Lock()
		defer mu.Unlock()
		if rng.Float64() >= rate {
			return miniotest.Pass
		}
		return faults[rng.IntN(len(faults))]
	}
}
