// Package s3store is the ports.ObjectStore on Amazon S3 or any S3-compatible service (MinIO),
// through aws-sdk-go-v2.
package s3store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// NewClient returns an S3 client from the SDK's default chain (AWS_REGION, credentials from the
// environment, the Lambda role, shared files). With endpoint set (an S3-compatible service such
// as MinIO) it uses that base URL and path-style addressing. It touches no network: credentials
// are fetched on first use. Build it once per process and share it.
func NewClient(ctx context.Context, endpoint string, opts ...func(*config.LoadOptions) error) (*s3.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
		}
	}), nil
}

// Store keeps objects in one bucket. It needs s3:PutObject on the bucket's objects, and
// nothing else.
type Store struct {
	client *s3.Client
	bucket string
}

var _ ports.ObjectStore = (*Store)(nil)

// New returns a store over client and bucket.
func New(client *s3.Client, bucket string) *Store {
	return &Store{client: client, bucket: bucket}
}

// Put writes obj with PutObject, create-only (If-None-Match: *): S3 refuses to replace an
// existing key, which Put reports as EConflict. S3 writes are atomic, so a failed Put leaves
// nothing under the key. The object carries its content type, its client's name as
// x-amz-meta-client, and its SHA-256 as the PutObject checksum, which S3 verifies on arrival
// and keeps with the object. The SDK's retries end with ctx.
func (s *Store) Put(ctx context.Context, obj ports.Object) error {
	in := &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(obj.Key),
		Body:          bytes.NewReader(obj.Data),
		ContentLength: aws.Int64(int64(len(obj.Data))),
	}
	if obj.IfMatch != "" {
		in.IfMatch = aws.String(obj.IfMatch)
	} else {
		in.IfNoneMatch = aws.String("*")
	}
	if obj.ContentType != "" {
		in.ContentType = aws.String(obj.ContentType)
	}
	if obj.Client != "" {
		in.Metadata = map[string]string{MetadataClient: obj.Client}
	}
	if obj.SHA256 != ([sha256.Size]byte{}) {
		in.ChecksumSHA256 = aws.String(base64.StdEncoding.EncodeToString(obj.SHA256[:]))
	}
	_, err := s.client.PutObject(ctx, in)
	if err == nil {
		return nil
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "PreconditionFailed":
			return &ports.Error{Code: ports.EConflict, Message: "An object already exists under this key, or another version of it", Err: err}
		case "NoSuchKey":
			return &ports.Error{Code: ports.ENotFound, Message: "No object under this key", Err: err}
		case "ConditionalRequestConflict":
			return &ports.Error{Code: ports.EConcurrent, Message: "A concurrent write of this key conflicted", Err: err}
		case "BadDigest", "XAmzContentChecksumMismatch":
			return &ports.Error{Code: ports.EBadDigest, Message: "The data does not match its SHA-256", Err: err}
		}
	}
	return fmt.Errorf("put s3://%s/%s: %w", s.bucket, obj.Key, err)
}

// Get reads an object with GetObject (IAM: s3:GetObject, which the service needs only on the
// idempotency records' prefix).
func (s *Store) Get(ctx context.Context, key string) (ports.Object, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		var nsk *types.NoSuchKey
		if errors.As(err, &nsk) {
			return ports.Object{}, &ports.Error{Code: ports.ENotFound, Message: "No object under this key", Err: err}
		}
		return ports.Object{}, fmt.Errorf("get s3://%s/%s: %w", s.bucket, key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return ports.Object{}, fmt.Errorf("read s3://%s/%s: %w", s.bucket, key, err)
	}
	return ports.Object{
		Key:         key,
		Data:        data,
		ContentType: aws.ToString(out.ContentType),
		Client:      out.Metadata[MetadataClient],
		ETag:        aws.ToString(out.ETag),
	}, nil
}

// MetadataClient is the user metadata key (x-amz-meta-client) of the client's name.
const MetadataClient = "client"
