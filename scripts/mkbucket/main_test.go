package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
)

// TestUsage: -h exits 0, a missing or extra name 2.
func TestUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want int
	}{{[]string{"-h"}, 0}, {nil, 2}, {[]string{"a", "b"}, 2}, {[]string{"-nope"}, 2}} {
		var stderr bytes.Buffer
		if got := run(tt.args, func(string) string { return "" }, &stderr); got != tt.want {
			t.Errorf("%q: exit %d, want %d (%s)", tt.args, got, tt.want, stderr.String())
		}
	}
}

// TestMakesTheBucket: with the environment the service reads, the bucket is made, and made
// again without an error (it is already yours).
func TestMakesTheBucket(t *testing.T) {
	srv := miniotest.Require(t)
	srv.Env(t)
	b := make([]byte, 6)
	rand.Read(b)
	name := "mkbucket-" + hex.EncodeToString(b)
	for range 2 {
		var stderr bytes.Buffer
		if code := run([]string{name}, func(k string) string { return map[string]string{"S3_ENDPOINT_URL": srv.Endpoint}[k] }, &stderr); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
	}
	c := srv.Client(t)
	if _, err := c.HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Errorf("HeadBucket: %v", err)
	}
	c.DeleteBucket(context.Background(), &s3.DeleteBucketInput{Bucket: aws.String(name)})
}
