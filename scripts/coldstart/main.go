// Command coldstart measures the Lambda function's cold start: from the moment the runtime
// process is started to the first answered drop, stored in MinIO, under the AWS Lambda Runtime
// Interface Emulator (which starts the bootstrap on the first invocation, as Lambda does), and
// the bootstrap process's peak resident memory (VmHWM, read after the first answer). It runs a
// fresh emulator and bootstrap each time and prints every run and the medians.
//
// With -floor it measures, in the same run, the floor the function is held against: a bare
// bootstrap that does one PutObject (scripts/coldstart/floor: aws-lambda-go and the SDK's S3
// client only), built with the same flags and run under the same emulator against the same
// MinIO, the two alternating run by run (in turn first) so that the machine's noise hits both
// alike. It prints both bootstraps' sizes for linux/amd64 and linux/arm64, the medians, and the
// ratios function/floor: of the sizes, and the median of the paired runs' ratios of cold start
// and peak RSS.
//
// It installs the pinned emulator if it is missing, and starts MinIO with scripts/minio
// unless TEST_S3_ENDPOINT names one:
//
//	go run ./scripts/coldstart -runs 10
//	go run ./scripts/coldstart -runs 10 -floor        side by side with the floor
//	go run ./scripts/coldstart -runs 10 -floor -json  the same as JSON lines
//	go run ./scripts/coldstart -emulator              install the emulator if missing, print its path
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl/funcurltest"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

// RIE is the pinned Runtime Interface Emulator.
const RIE = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d"

// Function and Floor are the packages of the bootstrap measured and of its floor.
const (
	Function = "./cmd/s3-dropbox-lambda"
	Floor    = "./scripts/coldstart/floor"
)

// SizeArchs are the architectures whose bootstrap sizes -floor prints: Lambda's two.
var SizeArchs = []string{"amd64", "arm64"}

// subject is one bootstrap under measurement: its name in the output, its package, the
// binary built for this machine, the bucket it stores in, and its runs.
type subject struct {
	name, pkg, bin, bucket string
	runs                   []result
}

// run measures the cold starts the flags ask for, and prints them.
func run() error {
	runs := flag.Int("runs", 10, "how many cold starts (of each bootstrap)")
	only := flag.Bool("emulator", false, "only install the emulator if it is missing, and print its path")
	withFloor := flag.Bool("floor", false, "also run the bare-PutObject floor, alternating, and print sizes and ratios")
	asJSON := flag.Bool("json", false, "print JSON lines instead of text")
	flag.Parse()
	if *runs < 1 {
		return fmt.Errorf("-runs must be at least 1, not %d", *runs)
	}
	rie, err := emulator()
	if err != nil {
		return err
	}
	if *only {
		fmt.Println(rie)
		return nil
	}
	if os.Getenv("TEST_S3_ENDPOINT") == "" {
		stop, err := startMinIO()
		if err != nil {
			return err
		}
		defer stop()
	}
	out := &report{w: os.Stdout, json: *asJSON}
	tmp, err := os.MkdirTemp("", "coldstart")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	subjects := []*subject{{name: "s3-dropbox-lambda", pkg: Function}}
	if *withFloor {
		subjects = append(subjects, &subject{name: "floor", pkg: Floor})
	}
	if err := build(subjects, tmp, *withFloor, out); err != nil {
		return err
	}
	ctx := context.Background()
	endpoint, key, secret := os.Getenv("TEST_S3_ENDPOINT"), os.Getenv("TEST_S3_ACCESS_KEY"), os.Getenv("TEST_S3_SECRET_KEY")
	client, err := s3store.NewClient(ctx, endpoint, config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(key, secret, "")))
	if err != nil {
		return err
	}
	if err := makeBuckets(ctx, client, subjects); err != nil {
		return err
	}
	if err := measure(rie, subjects, *runs, lambdaEnv(endpoint, key, secret), out); err != nil {
		return err
	}
	return conclude(ctx, client, subjects, *runs, *withFloor, out)
}

// build compiles each subject for this machine (and, with the floor, for Lambda's
// architectures), and prints the sizes (with the floor, of Lambda's architectures and their
// ratios).
func build(subjects []*subject, tmp string, withFloor bool, out *report) error {
	archs := []string{runtime.GOARCH}
	if withFloor {
		archs = SizeArchs
		if !slices.Contains(archs, runtime.GOARCH) {
			archs = append(archs, runtime.GOARCH)
		}
	}
	sizes := map[string]map[string]int64{} // by subject, by architecture
	for _, s := range subjects {
		sizes[s.name] = map[string]int64{}
		for _, arch := range archs {
			bin := filepath.Join(tmp, s.name+"-"+arch, "bootstrap")
			if err := compile(s.pkg, bin, arch); err != nil {
				return err
			}
			info, err := os.Stat(bin)
			if err != nil {
				return err
			}
			sizes[s.name][arch] = info.Size()
			if arch == runtime.GOARCH {
				s.bin = bin
			}
			if !withFloor || slices.Contains(SizeArchs, arch) {
				out.size(s.name, arch, info.Size())
			}
		}
	}
	if withFloor {
		for _, arch := range SizeArchs {
			r := float64(sizes[subjects[0].name][arch]) / float64(sizes[subjects[1].name][arch])
			out.ratio(subjects[0].name, subjects[1].name, "size linux/"+arch, spread{r, r, r}, 1)
		}
	}
	return nil
}

// makeBuckets makes a new bucket for each subject.
func makeBuckets(ctx context.Context, client *s3.Client, subjects []*subject) error {
	stamp := time.Now().UnixNano()
	for _, s := range subjects {
		s.bucket = fmt.Sprintf("coldstart-%s-%d", s.name, stamp)
		if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.bucket)}); err != nil {
			return fmt.Errorf("create bucket: %w", err)
		}
	}
	return nil
}

// lambdaEnv returns the bootstrap's environment for a bucket of the S3 at endpoint.
func lambdaEnv(endpoint, key, secret string) func(bucket string) []string {
	return func(bucket string) []string {
		return []string{
			"PATH=" + os.Getenv("PATH"),
			"BUCKET=" + bucket,
			"AUTH_TOKEN=" + domain.TokenDigest(facetest.AuthToken),
			"CDN_TOKEN=" + domain.TokenDigest(facetest.CDNToken),
			"CDN_TOKEN_HTTP_HEADER_NAME=x-cdn-authorization",
			"S3_ENDPOINT_URL=" + endpoint,
			"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=" + key, "AWS_SECRET_ACCESS_KEY=" + secret,
			"AWS_LAMBDA_FUNCTION_TIMEOUT=10", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		}
	}
}

// measure runs each subject's cold starts, alternating which goes first, and prints each.
func measure(rie string, subjects []*subject, runs int, env func(bucket string) []string, out *report) error {
	for i := range runs {
		for j := range subjects {
			s := subjects[(i+j)%len(subjects)] // each first in turn
			r, err := once(rie, s.bin, env(s.bucket))
			if err != nil {
				return fmt.Errorf("%s, run %d: %w", s.name, i+1, err)
			}
			s.runs = append(s.runs, r)
			out.run(s.name, i+1, r)
		}
	}
	return nil
}

// conclude checks that each run stored one object, prints each subject's medians and, with
// the floor, the paired ratios, and returns the report's error.
func conclude(ctx context.Context, client *s3.Client, subjects []*subject, runs int, withFloor bool, out *report) error {
	for _, s := range subjects {
		n, err := count(ctx, client, s.bucket)
		if err != nil {
			return err
		}
		if n != runs {
			return fmt.Errorf("%s: %d objects stored by %d runs", s.name, n, runs)
		}
		out.summary(s.name, s.runs, n)
	}
	if withFloor {
		fn, floor := subjects[0].runs, subjects[1].runs
		for _, m := range []struct {
			name  string
			value func(result) float64
		}{
			{"first drop", func(r result) float64 { return r.FirstDropMS }},
			{"peak RSS", func(r result) float64 { return float64(r.PeakRSS) }},
		} {
			s, err := pairedRatio(fn, floor, m.value)
			if err != nil {
				return err
			}
			out.ratio(subjects[0].name, subjects[1].name, m.name, s, len(fn))
		}
	}
	return out.err
}

// compile builds pkg as the release does (scripts/release: static, stripped, -trimpath, tag
// lambda.norpc) for linux/arch into bin.
func compile(pkg, bin, arch string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-tags", "lambda.norpc", "-ldflags=-s -w", "-buildvcs=false", "-o", bin, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s (linux/%s): %w", pkg, arch, err)
	}
	return nil
}

// count returns the number of objects in bucket.
func count(ctx context.Context, client *s3.Client, bucket string) (int, error) {
	n := 0
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, err
		}
		n += len(page.Contents)
	}
	return n, nil
}

// emulator returns the path of the emulator, installing it with go install if it is missing.
func emulator() (string, error) {
	bin, err := exec.Command("go", "env", "GOBIN").Output()
	if err != nil {
		return "", err
	}
	dir := string(bytes.TrimSpace(bin))
	if dir == "" {
		gopath, err := exec.Command("go", "env", "GOPATH").Output()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(string(bytes.TrimSpace(gopath)), "bin")
	}
	path := filepath.Join(dir, "aws-lambda-rie")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	fmt.Fprintln(os.Stderr, "installing", RIE)
	install := exec.Command("go", "install", RIE)
	install.Stdout, install.Stderr = os.Stderr, os.Stderr
	return path, install.Run()
}

// startMinIO starts MinIO with scripts/minio, sets the TEST_S3_* variables it prints, and
// returns the function that stops it.
func startMinIO() (stop func(), err error) {
	cmd := exec.Command("scripts/minio", "start")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("start MinIO: %w", err)
	}
	vars := map[string]string{}
	for _, kv := range regexp.MustCompile(`([A-Z0-9_]+)=(\S+)`).FindAllStringSubmatch(string(out), -1) {
		vars[kv[1]] = kv[2]
		os.Setenv(kv[1], kv[2])
	}
	return func() { exec.Command("scripts/minio", "stop", vars["MINIO_PID"], vars["MINIO_DATA"]).Run() }, nil
}

// verbose prints what the emulator and the function said.
var verbose = flag.Bool("v", false, "print the emulator's and the function's output")

// result is one cold start: the milliseconds from the request that makes the emulator start
// the bootstrap to the answer, the init phase the emulator reports (from the process start to
// the runtime's first request for work), and the bootstrap process's peak RSS in bytes.
type result struct {
	FirstDropMS float64 `json:"first_drop_ms"`
	InitMS      float64 `json:"init_ms"`
	PeakRSS     int64   `json:"peak_rss_bytes"`
}

// initReport is the emulator's line with the init phase's duration.
var initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// once starts a fresh emulator for bootstrap, sends the first drop, and measures it.
func once(rie, bootstrap string, env []string) (result, error) {
	addr, cmd, out, stop, err := startEmulator(rie, bootstrap, env)
	if err != nil {
		return result{}, err
	}
	defer stop()
	var r result
	if r.FirstDropMS, err = firstDrop(addr, out); err != nil {
		return result{}, err
	}
	// The bootstrap waits for the next invocation: its peak so far is the first drop's.
	if r.PeakRSS, err = bootstrapPeak(cmd.Process.Pid, bootstrap); err != nil {
		return result{}, err
	}
	if r.InitMS, err = initDuration(out); err != nil {
		return result{}, err
	}
	if *verbose {
		fmt.Fprintln(os.Stderr, out.String())
	}
	return r, nil
}

// startEmulator starts the emulator for bootstrap on a free address, and returns the address
// once it listens, its process, its output and what stops it.
func startEmulator(rie, bootstrap string, env []string) (string, *exec.Cmd, *lockedBuffer, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, nil, nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", addr, bootstrap)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return "", nil, nil, nil, err
	}
	stop := func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr, cmd, out, stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, nil, nil, fmt.Errorf("emulator not listening: %s", out.String())
		}
	}
}

// firstDrop sends a drop to the emulator at addr and returns how long its 202 took, in ms.
func firstDrop(addr string, out *lockedBuffer) (float64, error) {
	start := time.Now()
	resp, err := http.Post("http://"+addr+"/2015-03-31/functions/function/invocations", "application/json",
		bytes.NewReader(funcurltest.JSON("plain")))
	if err != nil {
		return 0, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := float64(time.Since(start).Microseconds()) / 1000
	var answer struct {
		StatusCode int `json:"statusCode"`
	}
	if err := json.Unmarshal(body, &answer); err != nil || answer.StatusCode != 202 {
		return 0, fmt.Errorf("answer %s, want statusCode 202; emulator said:\n%s", body, out.String())
	}
	return took, nil
}

// bootstrapPeak returns the peak RSS of the bootstrap process under the emulator's process
// emulatorPID.
func bootstrapPeak(emulatorPID int, bootstrap string) (int64, error) {
	pid, err := childPID(os.DirFS("/proc"), emulatorPID, bootstrap)
	if err != nil {
		return 0, err
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	peak, err := peakRSS(string(status))
	if err != nil {
		return 0, fmt.Errorf("/proc/%d/status: %w", pid, err)
	}
	return peak, nil
}

// initDuration returns the init phase the emulator reports, in ms: it writes its INIT REPORT
// line around the answer, and is waited for a little.
func initDuration(out *lockedBuffer) (float64, error) {
	for deadline := time.Now().Add(time.Second); ; time.Sleep(2 * time.Millisecond) {
		if m := initReport.FindStringSubmatch(out.String()); m != nil {
			ms, _ := strconv.ParseFloat(m[1], 64)
			return ms, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("no INIT REPORT line from the emulator:\n%s", out.String())
		}
	}
}

// lockedBuffer is a buffer the emulator's output is copied into while once reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
