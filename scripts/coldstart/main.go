// Command coldstart measures the Lambda function's cold start: from the moment the runtime
// process is started to the first answered drop, stored in MinIO, under the AWS Lambda Runtime
// Interface Emulator (which starts the bootstrap on the first invocation, as Lambda does). It
// runs a fresh emulator and bootstrap each time and prints every run and the median.
//
// It installs the pinned emulator if it is missing, and starts MinIO with scripts/minio
// unless TEST_S3_ENDPOINT names one:
//
//	go run ./scripts/coldstart -runs 10
//	go run ./scripts/coldstart -emulator    install the emulator if missing, print its path
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
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl/funcurltest"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports/droptest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

// RIE is the pinned Runtime Interface Emulator.
const RIE = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d"

func run() error {
	runs := flag.Int("runs", 10, "how many cold starts")
	only := flag.Bool("emulator", false, "only install the emulator if it is missing, and print its path")
	flag.Parse()
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
	endpoint, key, secret := os.Getenv("TEST_S3_ENDPOINT"), os.Getenv("TEST_S3_ACCESS_KEY"), os.Getenv("TEST_S3_SECRET_KEY")

	tmp, err := os.MkdirTemp("", "coldstart")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bootstrap := filepath.Join(tmp, "bootstrap")
	build := exec.Command("go", "build", "-trimpath", "-tags", "lambda.norpc", "-ldflags=-s -w", "-o", bootstrap, "./cmd/s3-dropbox-lambda")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	info, _ := os.Stat(bootstrap)

	ctx := context.Background()
	client, err := s3store.NewClient(ctx, endpoint, config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(key, secret, "")))
	if err != nil {
		return err
	}
	bucket := fmt.Sprintf("coldstart-%d", time.Now().UnixNano())
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		return fmt.Errorf("create bucket: %w", err)
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"BUCKET=" + bucket,
		"AUTH_TOKEN=" + domain.ServerToken(droptest.AuthToken),
		"CDN_TOKEN=" + domain.ServerToken(droptest.CDNToken),
		"CDN_TOKEN_HTTP_HEADER_NAME=x-cdn-authorization",
		"S3_ENDPOINT_URL=" + endpoint,
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=" + key, "AWS_SECRET_ACCESS_KEY=" + secret,
		"AWS_LAMBDA_FUNCTION_TIMEOUT=10", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
	}

	fmt.Printf("bootstrap: %d bytes (stripped, for this machine's architecture)\n", info.Size())
	var totals, inits []float64
	for i := range *runs {
		total, init, err := once(rie, bootstrap, env)
		if err != nil {
			return fmt.Errorf("run %d: %w", i+1, err)
		}
		totals, inits = append(totals, total), append(inits, init)
		fmt.Printf("run %2d: first drop answered %6.1f ms after the process start (init phase %5.1f ms)\n", i+1, total, init)
	}
	n := 0
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		n += len(page.Contents)
	}
	if n != *runs {
		return fmt.Errorf("%d objects stored by %d runs", n, *runs)
	}
	fmt.Printf("median of %d: first drop %.1f ms after the process start (init phase %.1f ms); min %.1f, max %.1f; %d drops stored\n",
		*runs, median(totals), median(inits), slices.Min(totals), slices.Max(totals), n)
	return nil
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

// once starts a fresh emulator, sends the first drop, and returns the milliseconds from the
// request that makes the emulator start the bootstrap to the answer, and the init phase the
// emulator reports (from the process start to the runtime's first request for work).
func once(rie, bootstrap string, env []string) (total, init float64, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, 0, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", addr, bootstrap)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("emulator not listening: %s", out.String())
		}
	}

	start := time.Now()
	resp, err := http.Post("http://"+addr+"/2015-03-31/functions/function/invocations", "application/json",
		bytes.NewReader(funcurltest.JSON("plain")))
	if err != nil {
		return 0, 0, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	total = float64(time.Since(start).Microseconds()) / 1000
	var answer struct {
		StatusCode int `json:"statusCode"`
	}
	if err := json.Unmarshal(body, &answer); err != nil || answer.StatusCode != 202 {
		return 0, 0, fmt.Errorf("answer %s, want statusCode 202; emulator said:\n%s", body, out.String())
	}
	time.Sleep(20 * time.Millisecond) // the REPORT line follows the answer
	if *verbose {
		fmt.Println(out.String())
	}
	m := regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`).FindStringSubmatch(out.String())
	if m != nil {
		init, _ = strconv.ParseFloat(m[1], 64)
	}
	return total, init, nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
