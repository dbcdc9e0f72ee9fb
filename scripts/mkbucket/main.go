// Command mkbucket makes an S3 bucket where the service would write, reading what the
// service reads: S3_ENDPOINT_URL and the AWS SDK's default chain (AWS_REGION,
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, …). A bucket that is already yours is not an
// error. scripts/minio s3-env runs it.
//
//	go run ./scripts/mkbucket BUCKET
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stderr))
}

// run makes the bucket args name and returns the exit status: 0 made or already yours, 1
// failed, 2 a usage error.
func run(args []string, env func(string) string, stderr io.Writer) int {
	flags := flag.NewFlagSet("mkbucket", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintln(stderr, "Usage: go run ./scripts/mkbucket BUCKET   (reads S3_ENDPOINT_URL and AWS_*, as the service does)")
	}
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if flags.NArg() != 1 {
		flags.Usage()
		return 2
	}
	bucket := flags.Arg(0)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := s3store.NewClient(ctx, env("S3_ENDPOINT_URL"))
	if err != nil {
		fmt.Fprintln(stderr, "mkbucket:", err)
		return 1
	}
	_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	if err != nil && !errors.As(err, new(*types.BucketAlreadyOwnedByYou)) {
		fmt.Fprintf(stderr, "mkbucket: %s: %v\n", bucket, err)
		return 1
	}
	fmt.Fprintf(stderr, "mkbucket: bucket %s is ready\n", bucket)
	return 0
}
