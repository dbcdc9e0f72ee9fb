// Command s3-dropbox-lambda is the AWS Lambda function (runtime provided.al2023, binary named
// bootstrap) behind a Function URL. It reads its settings once, builds one S3 client for the
// life of the process, and serves invocations until Lambda stops it.
//
// Build:
//
//	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -trimpath -tags lambda.norpc -o bootstrap ./cmd/s3-dropbox-lambda
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/s3-dropbox/s3-dropbox/wiring"
)

func main() {
	if len(os.Args) > 1 {
		os.Exit(parse(os.Args[1:], os.Stderr))
	}
	if err := run(context.Background(), os.Stdout); err != nil {
		slog.New(slog.NewJSONHandler(os.Stdout, nil)).Error("start failed", slog.String("error", err.Error()))
		os.Exit(1)
	}
}

// run builds the handler from the environment, logging to out, and serves.
func run(ctx context.Context, out io.Writer) error {
	h, err := wiring.LambdaHandler(ctx, out)
	if err != nil {
		return err
	}
	lambda.StartWithOptions(h.Handle, lambda.WithContext(ctx))
	return nil
}

// parse answers a command line, which Lambda never gives: -h prints what the function reads
// (exit 0); anything else is a usage error (exit 2).
func parse(args []string, stderr io.Writer) int {
	flags := flag.NewFlagSet("s3-dropbox-lambda", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprint(stderr, `Usage: bootstrap   (the Lambda function, run by Lambda; no arguments)

Environment (AWS_* are read by the AWS SDK; Lambda sets them):
`)
		wiring.Usage(stderr, &wiring.Lambda{})
	}
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fmt.Fprintln(stderr, "s3-dropbox-lambda takes no argument (-h for help)")
	return 2
}
