package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/s3-dropbox/s3-dropbox/adapters/fsstore"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/internal/buildtest"
)

var binary string // the server, built once for the tests that run it as a process

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "s3-dropbox-test")
	if err != nil {
		panic(err)
	}
	if binary, err = buildtest.Build(dir, buildtest.Module+"/cmd/s3-dropbox"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// process is the server running as a child process.
type process struct {
	cmd    *exec.Cmd
	stdout *output
	done   chan error    // the exit, once all output is read
	exited chan struct{} // closed when the process has exited and been waited for
}

// output collects a process's stdout, safe to read meanwhile, and tells when the server
// has logged its configuration, or when what it wrote meets a condition (see when).
type output struct {
	mu         sync.Mutex
	buf        bytes.Buffer
	configured chan struct{}
	waits      []outputWait
}

// outputWait is a condition on the output, and the channel closed once it holds.
type outputWait struct {
	cond func(out string) bool
	ch   chan struct{}
}

func (o *output) Write(b []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	had := bytes.Contains(o.buf.Bytes(), []byte(`"msg":"configured"`))
	o.buf.Write(b)
	if !had && bytes.Contains(o.buf.Bytes(), []byte(`"msg":"configured"`)) {
		close(o.configured)
	}
	o.waits = slices.DeleteFunc(o.waits, func(w outputWait) bool {
		if w.cond(o.buf.String()) {
			close(w.ch)
			return true
		}
		return false
	})
	return len(b), nil
}

// when returns a channel closed once the output meets cond (checked at each write).
func (o *output) when(cond func(out string) bool) <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	ch := make(chan struct{})
	if cond(o.buf.String()) {
		close(ch)
	} else {
		o.waits = append(o.waits, outputWait{cond, ch})
	}
	return ch
}

// logged returns a channel closed once the output holds text.
func (o *output) logged(text string) <-chan struct{} {
	return o.when(func(out string) bool { return strings.Contains(out, text) })
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// start runs the server with args in dir and env (added to a clean environment) and waits
// for its "configured" log line; it returns the process and its stderr.
func start(t *testing.T, dir string, env []string, args ...string) (*process, *bufio.Reader) {
	t.Helper()
	return startUnder(t, nil, dir, env, args...)
}

// startUnder is start with the server run by a wrapper command, such as prlimit; DRAIN is 0s
// unless env sets it.
func startUnder(t *testing.T, wrapper []string, dir string, env []string, args ...string) (*process, *bufio.Reader) {
	t.Helper()
	argv := append(append(slices.Clone(wrapper), binary), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "DRAIN=0s"}, env...)
	p := &process{cmd: cmd, stdout: &output{configured: make(chan struct{})}, done: make(chan error, 1), exited: make(chan struct{})}
	cmd.Stdout = p.stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The process is killed and waited for before the test's folders are removed: a write it
	// had under way when killed must not race their removal.
	t.Cleanup(func() {
		cmd.Process.Kill()
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			t.Errorf("server not gone 10 s after SIGKILL")
		}
	})
	errs := bufio.NewReader(stderr)
	select {
	case <-p.stdout.configured:
		go func() {
			err := cmd.Wait()
			close(p.exited)
			p.done <- err
		}()
		return p, errs
	case <-time.After(20 * time.Second):
		t.Fatalf("server not configured after 20 s:\n%s", p.stdout)
	}
	return nil, nil
}

// launch runs argv (the server, or a wrapper that runs it) with the filesystem store in dir
// and env (fsEnv), HOME=dir and DRAIN=0s, its stdout and stderr both into out, and does not
// wait: exited receives its exit.
func launch(t *testing.T, dir string, env []string, argv ...string) (cmd *exec.Cmd, out *output, exited <-chan error) {
	t.Helper()
	cmd = exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(fsEnv(dir, env...), "HOME="+dir, "DRAIN=0s")
	out = &output{configured: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	return cmd, out, done
}

var curlLine = regexp.MustCompile(`curl -i (\S+) -H 'authorization: Bearer (\S+)' -H 'x-cdn-authorization: Bearer (\S+)'`)

// devServer starts the server in dev mode on a free port, with env added, and reads its banner.
func devServer(t *testing.T, env ...string) (p *process, dir, url, auth, cdn string) {
	t.Helper()
	dir = t.TempDir()
	p, stderr := start(t, dir, env, "-dev", "-addr", "127.0.0.1:0")
	for {
		line, err := stderr.ReadString('\n')
		if m := curlLine.FindStringSubmatch(line); m != nil {
			return p, dir, m[1], m[2], m[3]
		}
		if err != nil {
			t.Fatalf("no curl command in the banner: %v", err)
		}
	}
}

func drop(t *testing.T, url, auth, cdn, payload string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(payload))
	req.Header.Set("Authorization", "Bearer "+auth)
	req.Header.Set("X-CDN-Authorization", "Bearer "+cdn)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// timedDrop posts payload to url with the test's tokens and idemKey ("": none) and reads the
// answer; it returns how long the answer took, and "" if it was a 202, else what it was.
func timedDrop(client *http.Client, url, payload, idemKey string) (took time.Duration, failure string) {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(payload))
	req.Header.Set("Authorization", "Bearer "+facetest.AuthToken)
	req.Header.Set(facetest.CDNHeader, "Bearer "+facetest.CDNToken)
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	t0 := time.Now()
	resp, err := client.Do(req)
	took = time.Since(t0)
	if err != nil {
		return took, err.Error()
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return took, resp.Status
	}
	return took, ""
}

// files returns the objects under dir/drops, by name (not the hidden attribute files).
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "drops"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, "drops", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m[e.Name()] = string(b)
	}
	return m
}

// TestDevMode: the front page's first command, end to end: start, read the printed tokens, drop
// with a real client, find the file with the exact bytes; the printed tokens are required.
func TestDevMode(t *testing.T) {
	p, dir, url, auth, cdn := devServer(t)
	payload := "hello from the dev-mode test \x00\xff"
	if resp := drop(t, url, auth, cdn, payload); resp.StatusCode != 202 {
		t.Fatalf("drop: status %d, want 202", resp.StatusCode)
	}
	if resp := drop(t, url, auth, "wrong", payload); resp.StatusCode != 401 {
		t.Errorf("drop with a wrong CDN token: status %d, want 401 (dev mode is no auth bypass)", resp.StatusCode)
	}
	got := files(t, dir)
	if len(got) != 1 {
		t.Fatalf("%d files, want 1: %v", len(got), got)
	}
	for name, b := range got {
		if !facetest.KeyPattern.MatchString(name) || b != payload {
			t.Errorf("file %s = %q, want the payload under a key of the original's format", name, b)
		}
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-p.done; err != nil {
		t.Errorf("exit after SIGTERM: %v, want 0", err)
	}
	for _, secret := range []string{auth, cdn, "hello from"} {
		if strings.Contains(p.stdout.String(), secret) {
			t.Errorf("the log holds a token or the payload")
		}
	}
}

// TestGracefulShutdown: SIGTERM while 50 drops are in flight; every drop that got 202 is on
// disk, and the process exits 0.
func TestGracefulShutdown(t *testing.T) {
	p, dir, url, auth, cdn := devServer(t, "METRICS_ADDR=127.0.0.1:0")
	metrics := regexp.MustCompile(`"metrics_addr":"([^"]+)"`).FindStringSubmatch(p.stdout.String())
	if metrics == nil {
		t.Fatalf("no metrics address in %s", p.stdout)
	}
	const n = 50
	release := make(chan struct{})
	var sent, wg sync.WaitGroup
	statuses := make([]int, n)
	sent.Add(n)
	for i := range n {
		wg.Go(func() {
			pr, pw := io.Pipe()
			go func() {
				<-release
				fmt.Fprintf(pw, "in flight %02d", i)
				pw.Close()
			}()
			var once sync.Once
			trace := &httptrace.ClientTrace{WroteHeaders: func() { once.Do(sent.Done) }}
			req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), http.MethodPost, url, pr)
			req.ContentLength = int64(len(fmt.Sprintf("in flight %02d", i)))
			req.Header.Set("Authorization", "Bearer "+auth)
			req.Header.Set("X-CDN-Authorization", "Bearer "+cdn)
			resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
			if err != nil {
				once.Do(sent.Done)
				t.Logf("drop %d: %v", i, err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		})
	}
	sent.Wait()
	// The server serves every drop (its in-flight gauge says so), each waiting for its body,
	// when it is told to stop; the bodies arrive once it is shutting down.
	waitInflight(t, "http://"+metrics[1]+"/metrics", n)
	shuttingDown := p.stdout.logged(`"msg":"shutting down`)
	p.cmd.Process.Signal(syscall.SIGTERM)
	<-shuttingDown
	close(release)
	wg.Wait()
	if err := <-p.done; err != nil {
		t.Errorf("exit: %v, want 0", err)
	}
	got := files(t, dir)
	accepted := 0
	for i, s := range statuses {
		if s != 202 {
			continue
		}
		accepted++
		found := false
		for _, b := range got {
			found = found || b == fmt.Sprintf("in flight %02d", i)
		}
		if !found {
			t.Errorf("drop %d got 202 and is not on disk", i)
		}
	}
	if accepted != n || len(got) != n {
		t.Errorf("%d drops accepted and %d files, want all %d in flight to finish", accepted, len(got), n)
	}
}

// waitInflight scrapes the server's metrics until its gauge of requests in flight reads n; a
// real process gives no other signal. It fails the test after 20 s.
func waitInflight(t *testing.T, metricsURL string, n int) {
	t.Helper()
	want := fmt.Sprintf("\ns3dropbox_inflight_requests %d\n", n)
	var last string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		resp, err := http.Get(metricsURL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if last = string(b); strings.Contains(last, want) {
			return
		}
	}
	t.Fatalf("in-flight requests never %d:\n%s", n, regexp.MustCompile(`(?m)^s3dropbox_inflight.*$`).FindString(last))
}

// TestS3Storage: a start with settings and STORAGE=s3 stores into a MinIO bucket.
func TestS3Storage(t *testing.T) {
	srv := miniotest.Require(t)
	client := srv.Client(t)
	bucket := srv.NewBucket(t, client)
	env := []string{
		"ADDR=127.0.0.1:0", "STORAGE=s3", "BUCKET=" + bucket,
		"AUTH_TOKEN=" + domain.TokenDigest(facetest.AuthToken),
		"CDN_TOKEN=" + domain.TokenDigest(facetest.CDNToken),
		"CDN_TOKEN_HTTP_HEADER_NAME=X-CDN-Authorization",
		"S3_ENDPOINT_URL=" + srv.Endpoint, "AWS_REGION=" + srv.Region,
		"AWS_ACCESS_KEY_ID=" + srv.AccessKey, "AWS_SECRET_ACCESS_KEY=" + srv.SecretKey,
	}
	p, _ := start(t, t.TempDir(), env)
	addr := regexp.MustCompile(`"addr":"([^"]+)"`).FindStringSubmatch(p.stdout.String())
	if addr == nil {
		t.Fatalf("no address in %s", p.stdout)
	}
	if resp := drop(t, "http://"+addr[1]+"/v1/drop", facetest.AuthToken, facetest.CDNToken, "into s3"); resp.StatusCode != 202 {
		t.Fatalf("status %d, want 202", resp.StatusCode)
	}
	objects := miniotest.Objects(t, client, bucket)
	if len(objects) != 1 {
		t.Fatalf("%d objects, want 1", len(objects))
	}
	for k, v := range objects {
		if string(v) != "into s3" || !facetest.KeyPattern.MatchString(k) {
			t.Errorf("object %s = %q", k, v)
		}
	}
}

// TestFailsClosed: a missing, malformed or unsafe setting stops the start (exit 1, no listener),
// naming the variable, never its value.
func TestFailsClosed(t *testing.T) {
	cdn := domain.TokenDigest("c")
	tests := []struct {
		name, key, value, want string
		more                   map[string]string // other variables of the case
	}{
		{"malformed token", "AUTH_TOKEN", "leaked-secret-value", "AUTH_TOKEN: entry 1", nil},
		{"one token for both layers", "AUTH_TOKEN", cdn, "AUTH_TOKEN and CDN_TOKEN", nil},
		{"TTL that overflows", "IDEMPOTENCY_TTL", "213504d", "IDEMPOTENCY_TTL: must be more than 0 and at most 365d", nil},
		{"octal limit", "MAX_BODY_BYTES", "010240", "MAX_BODY_BYTES: must be a whole number in decimal", nil},
		{"hexadecimal limit", "MAX_BODY_BYTES", "0x2800", "MAX_BODY_BYTES: must be a whole number in decimal", nil},
		{"hidden prefix", "KEY_PREFIX", ".idempotency/", "KEY_PREFIX: must not have a segment that starts with .", nil},
		{"long segment", "KEY_PREFIX", strings.Repeat("a", 256) + "/", "KEY_PREFIX: must not have a segment longer than 255", nil},
		{"budget below the limit", "MAX_INFLIGHT_BYTES", "4194304", "MAX_INFLIGHT_BYTES: must be more than MAX_BODY_BYTES", map[string]string{"MAX_BODY_BYTES": "6291456"}},
		{"budget equal to the limit", "MAX_INFLIGHT_BYTES", "6291456", "MAX_INFLIGHT_BYTES: must be more than MAX_BODY_BYTES", map[string]string{"MAX_BODY_BYTES": "6291456"}},
		{"S3 without a region", "BUCKET", "bucket-without-region", "AWS_REGION: required with STORAGE=s3", map[string]string{"STORAGE": "s3", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}},
		{"TTL of a nanosecond", "IDEMPOTENCY_TTL", "1ns", "IDEMPOTENCY_TTL: must be at least 5m", nil},
		{"TTL under the minimum", "IDEMPOTENCY_TTL", "299s", "IDEMPOTENCY_TTL: must be at least 5m", nil},
		{"drop expiry under the minimum TTL", "DROP_EXPIRY", "299s", "DROP_EXPIRY: must be at least 5m", nil},
		{"signed port", "PORT", "+80", "PORT: must be a port number in decimal", map[string]string{"ADDR": ""}},
		{"port with a leading zero", "PORT", "080", "PORT: must be a port number in decimal", map[string]string{"ADDR": ""}},
		{"signed port in ADDR", "ADDR", "127.0.0.1:+80", "ADDR: must be host:port with the port in decimal", nil},
		{"service name in METRICS_ADDR", "METRICS_ADDR", "127.0.0.1:http", "METRICS_ADDR: must be host:port with the port in decimal", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"STORAGE": "filesystem", "STORAGE_DIR": t.TempDir(), "ADDR": "127.0.0.1:0",
				"AUTH_TOKEN": domain.TokenDigest("a"), "CDN_TOKEN": cdn, "CDN_TOKEN_HTTP_HEADER_NAME": "x-cdn"}
			env[tt.key] = tt.value
			for k, v := range tt.more {
				env[k] = v
			}
			cmd := exec.Command(binary)
			cmd.Env = []string{"HOME=" + t.TempDir()}
			for k, v := range env {
				if v != "" {
					cmd.Env = append(cmd.Env, k+"="+v)
				}
			}
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the server started with %s=%s", tt.key, tt.value)
			}
			if !strings.Contains(string(out), "start failed") && !strings.Contains(string(out), "stopped") {
				t.Errorf("output %s: want the start-up failure logged", out)
			}
			if !strings.Contains(string(out), tt.want) || strings.Contains(string(out), "="+tt.value) || strings.Contains(string(out), `"`+tt.value) {
				t.Errorf("output %s: want %q, and not the value", out, tt.want)
			}
		})
	}
}

// TestEndpointUserInfoRedacted: an S3_ENDPOINT_URL with user:password@ is printed without them.
func TestEndpointUserInfoRedacted(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, []string{"ADDR=127.0.0.1:0", "BUCKET=b", "AWS_REGION=us-east-1",
		"S3_ENDPOINT_URL=http://minio-user:pass-never-logged@127.0.0.1:9",
		"AUTH_TOKEN=" + domain.TokenDigest("a"), "CDN_TOKEN=" + domain.TokenDigest("c"), "CDN_TOKEN_HTTP_HEADER_NAME=x-cdn"})
	if out := p.stdout.String(); strings.Contains(out, "pass-never-logged") || strings.Contains(out, "minio-user") || !strings.Contains(out, "REDACTED@127.0.0.1:9") {
		t.Errorf("start-up output %s: want the endpoint with its user information redacted", out)
	}
}

// TestHelp: -h lists every flag and every variable, readably, and exits 0.
func TestHelp(t *testing.T) {
	out, err := exec.Command(binary, "-h").CombinedOutput()
	if err != nil {
		t.Fatalf("-h: %v", err)
	}
	for _, want := range []string{"-dev", "-addr", "BUCKET", "AUTH_TOKEN", "CDN_TOKEN", "CDN_TOKEN_HTTP_HEADER_NAME",
		"S3_ENDPOINT_URL", "ADDR", "PORT", "STORAGE", "STORAGE_DIR"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("-h does not mention %s:\n%s", want, out)
		}
	}
	_, env, _ := strings.Cut(string(out), "Environment")
	if strings.Contains(env, "\t") || strings.Contains(env, "list of \n") || !strings.Contains(env, "required on Lambda and with STORAGE=s3") {
		t.Errorf("-h's variables have tabs, a cut-off type, or BUCKET without when it is required:\n%s", env)
	}
}

// TestLayoutAndLimitFilesystem: KEY_PREFIX and KEY_DATE_PARTITION show as folders of the
// filesystem store, MAX_BODY_BYTES moves the limit, and the attributes are the file's own.
func TestLayoutAndLimitFilesystem(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, []string{
		"ADDR=127.0.0.1:0", "STORAGE=filesystem", "STORAGE_DIR=" + filepath.Join(dir, "store"),
		"AUTH_TOKEN=carol:" + domain.TokenDigest(facetest.AuthToken),
		"CDN_TOKEN=" + domain.TokenDigest(facetest.CDNToken),
		"CDN_TOKEN_HTTP_HEADER_NAME=X-CDN-Authorization",
		"KEY_PREFIX=in/box/", "KEY_DATE_PARTITION=true", "MAX_BODY_BYTES=100",
	})
	addr := regexp.MustCompile(`"addr":"([^"]+)"`).FindStringSubmatch(p.stdout.String())
	url := "http://" + addr[1] + "/v1/drop"
	if resp := drop(t, url, facetest.AuthToken, facetest.CDNToken, strings.Repeat("x", 100)); resp.StatusCode != 202 {
		t.Fatalf("100 bytes: %d, want 202", resp.StatusCode)
	}
	if resp := drop(t, url, facetest.AuthToken, facetest.CDNToken, strings.Repeat("x", 101)); resp.StatusCode != 413 {
		t.Errorf("101 bytes: %d, want 413", resp.StatusCode)
	}
	days, err := filepath.Glob(filepath.Join(dir, "store", "in", "box", "dt=*"))
	if err != nil || len(days) != 1 {
		t.Fatalf("date folders %v, %v; want one under store/in/box/", days, err)
	}
	entries, _ := os.ReadDir(days[0])
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 || !facetest.KeyPattern.MatchString(names[0]) {
		t.Fatalf("files %v: want the object alone (its attributes are extended attributes)", names)
	}
	if date := strings.TrimPrefix(filepath.Base(days[0]), "dt="); !strings.HasPrefix(names[0], date+"T") {
		t.Errorf("object %s is not in its date's folder %s", names[0], days[0])
	}
	path := filepath.Join(days[0], names[0])
	var buf [64]byte
	n, err := unix.Getxattr(path, fsstore.AttrClient, buf[:])
	if err != nil || string(buf[:n]) != "carol" {
		t.Errorf("%s of the object: %q, %v; want carol", fsstore.AttrClient, buf[:max(n, 0)], err)
	}
	if n, err := unix.Getxattr(path, fsstore.AttrSHA256, buf[:]); err != nil || n != 44 {
		t.Errorf("%s of the object: %d bytes, %v; want the base64 SHA-256", fsstore.AttrSHA256, n, err)
	}
}
