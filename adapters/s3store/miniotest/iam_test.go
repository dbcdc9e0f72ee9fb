package miniotest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
)

// TestUserAndS3Rules: a MinIO user holds exactly its policy (MinIO refuses what it does not
// grant); behind a proxy that plays S3's rule, a missing key is a 403 to a caller without
// s3:ListBucket and a 404 to one with it, and a bucket policy's Deny refuses a request before
// MinIO sees it.
func TestUserAndS3Rules(t *testing.T) {
	srv := miniotest.Require(t)
	root := srv.Client(t)
	bucket := srv.NewBucket(t, root)
	ctx := context.Background()
	if _, err := root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("there"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	reader := srv.User(t, []byte(fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::%s/*"]}]}`, bucket)))
	writer := srv.User(t, []byte(fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject"],"Resource":["arn:aws:s3:::%s/*"]}]}`, bucket)))

	proxy := miniotest.NewFaultProxy(t, srv.Endpoint, func(*http.Request) miniotest.Fault { return miniotest.Pass })
	proxy.PlayS3(miniotest.S3Rules{
		CanList: func(ak string) bool { return ak == srv.AccessKey },
		Denies: func(r *http.Request) bool {
			return r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/denied")
		},
	})
	via := func(s miniotest.Server) *s3.Client {
		s.Endpoint = proxy.URL
		return s.Client(t)
	}
	code := func(err error) string {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			return apiErr.ErrorCode()
		}
		if err != nil {
			return err.Error()
		}
		return ""
	}
	get := func(c *s3.Client, key string) string {
		_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		return code(err)
	}
	head := func(c *s3.Client, key string) string {
		_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		return code(err)
	}
	put := func(c *s3.Client, key string) string {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("y")})
		return code(err)
	}
	tests := []struct {
		name, got, want string
	}{
		{"reader gets a key that is there", get(via(reader), "there"), ""},
		{"reader gets a missing key, no s3:ListBucket", get(via(reader), "missing"), "AccessDenied"},
		{"root gets a missing key, s3:ListBucket", get(via(srv), "missing"), "NoSuchKey"},
		{"reader gets a missing key from MinIO itself", get(reader.Client(t), "missing"), "NoSuchKey"},
		{"reader heads a missing key, no s3:ListBucket", head(via(reader), "missing"), "Forbidden"},
		{"root heads a missing key, s3:ListBucket", head(via(srv), "missing"), "NotFound"},
		{"reader puts", put(via(reader), "new"), "AccessDenied"},
		{"writer gets a key that is there", get(via(writer), "there"), "AccessDenied"},
		{"writer puts", put(via(writer), "new"), ""},
		{"a bucket policy denies", put(via(srv), "denied"), "AccessDenied"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}
