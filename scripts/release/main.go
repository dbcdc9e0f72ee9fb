// Command release builds the Lambda function's deployment package: the bootstrap binary,
// static and stripped, in a zip that is byte-identical from one build to the next (fixed
// file time, mode and order), so that a release can be checked against its source. It also
// builds the sender, s3-dropbox-send, static and stripped, for the machines that send drops.
//
//	go run ./scripts/release                 dist/s3-dropbox-lambda-arm64.zip, and the senders
//	go run ./scripts/release -arch amd64     dist/s3-dropbox-lambda-amd64.zip (Lambda's x86_64)
//	go run ./scripts/release -arch all       both
//	go run ./scripts/release -send=false     the zip only
//	go run ./scripts/release -image          the server's container images, no Docker needed:
//	                                         dist/s3-dropbox-image-{amd64,arm64}.tar (docker load)
//
// The senders: dist/s3-dropbox-send-{linux,darwin}-{amd64,arm64}. Beside the zips, the stack
// (dist/s3-dropbox-template.yaml) and the Prometheus rules and Grafana dashboard (DeployFiles).
package main

import (
	"archive/zip"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Package is the command built into the zip.
const Package = "./cmd/s3-dropbox-lambda"

// SendPackage is the sender, and SendPlatforms the systems it is built for.
const SendPackage = "./cmd/s3-dropbox-send"

var SendPlatforms = []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64"}

// modTime is the fixed time of the zip's one entry.
var modTime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func main() {
	err := run(os.Args[1:], os.Stdout)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case errors.As(err, new(usageError)):
		os.Exit(2) // the flag package has said why
	case err != nil:
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

// usageError is a command line the flag package refused, and has explained.
type usageError struct{ error }

func run(args []string, out io.Writer) error {
	flags := flag.NewFlagSet("release", flag.ContinueOnError)
	arch := flags.String("arch", "arm64", "arm64, amd64 or all")
	dist := flags.String("out", "dist", "folder for the zips and binaries")
	withSend := flags.Bool("send", true, "also build s3-dropbox-send for "+strings.Join(SendPlatforms, ", "))
	image := flags.Bool("image", false, "build only the server's container images, dist/s3-dropbox-image-{amd64,arm64}.tar")
	version := flags.String("version", "", "the images' version label and tag (default: the git commit, or dev)")
	flags.Usage = func() {
		fmt.Fprintf(flags.Output(), "Usage: go run ./scripts/release [flags]   (from the module's root)\n\n"+
			"Builds dist/s3-dropbox-lambda-<arch>.zip, reproducible, and the senders; prints each file and its size.\n"+
			"Copies beside them the stack and the Prometheus rules and Grafana dashboard.\n\nFlags:\n")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	var archs []string
	switch *arch {
	case "arm64", "amd64":
		archs = []string{*arch}
	case "all":
		archs = []string{"arm64", "amd64"}
	default:
		return fmt.Errorf("-arch must be arm64, amd64 or all, not %q", *arch)
	}
	if err := os.MkdirAll(*dist, 0o755); err != nil {
		return err
	}
	if *image {
		if *version == "" {
			*version = sourceVersion()
		}
		return buildImages(*dist, *version, out)
	}
	for _, a := range archs {
		path, size, binSize, err := build(a, *dist)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: %d bytes (bootstrap %d bytes, linux/%s)\n", path, size, binSize, a)
	}
	if err := copyDeploy(*dist, out); err != nil {
		return err
	}
	if !*withSend {
		return nil
	}
	return buildSenders(*dist, out)
}

// buildImages builds the server's image for each of ImageArchs into dist, with version, and
// prints each file and its size.
func buildImages(dist, version string, out io.Writer) error {
	for _, a := range ImageArchs {
		path, err := buildImage(a, dist, version)
		if err != nil {
			return err
		}
		info, err := os.Stat(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: %d bytes (image s3-dropbox:%s, linux/%s)\n", path, info.Size(), version, a)
	}
	return nil
}

// buildSenders builds s3-dropbox-send for each of SendPlatforms into dist, and prints each
// file and its size.
func buildSenders(dist string, out io.Writer) error {
	for _, p := range SendPlatforms {
		goos, goarch, _ := strings.Cut(p, "/")
		path := filepath.Join(dist, "s3-dropbox-send-"+goos+"-"+goarch)
		if err := compile(SendPackage, path, goos, goarch); err != nil {
			return err
		}
		info, err := os.Stat(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: %d bytes (%s)\n", path, info.Size(), p)
	}
	return nil
}

// compile builds pkg for goos/goarch into path: static, stripped, reproducible.
func compile(pkg, path, goos, goarch string, tags ...string) error {
	args := []string{"build", "-trimpath", "-ldflags=-s -w", "-buildvcs=false", "-o", path}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s (%s/%s): %w", pkg, goos, goarch, err)
	}
	return nil
}

// build compiles bootstrap for linux/arch and writes dist/s3-dropbox-lambda-<arch>.zip.
func build(arch, dist string) (path string, zipSize, binSize int, err error) {
	tmp, err := os.MkdirTemp("", "release")
	if err != nil {
		return "", 0, 0, err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bootstrap")
	if err := compile(Package, bin, "linux", arch, "lambda.norpc"); err != nil {
		return "", 0, 0, err
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		return "", 0, 0, err
	}
	z, err := zipOne("bootstrap", b)
	if err != nil {
		return "", 0, 0, err
	}
	path = filepath.Join(dist, "s3-dropbox-lambda-"+arch+".zip")
	return path, len(z), len(b), os.WriteFile(path, z, 0o644)
}

// zipOne returns a zip holding one executable file, with nothing in it that varies between
// builds: a fixed time, fixed mode, no comment.
func zipOne(name string, data []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modTime}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
