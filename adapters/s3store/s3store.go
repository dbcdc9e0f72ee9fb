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
	"strings"

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

// Store keeps objects in one bucket. It needs s3:PutObject on the bucket's objects,
// s3:GetObject on the objects it reads (the service reads only its idempotency records), and
// s3:ListBucket on the bucket, without which S3 answers the read of a missing key 403.
type Store struct {
	client *s3.Client
	bucket string
}

var _ ports.ObjectStore = (*Store)(nil)

// New returns a store over client and bucket.
func New(client *s3.Client, bucket string) *Store {
	return &Store{client: client, bucket: bucket}
}

// Create writes obj with PutObject, create-only (If-None-Match: *): S3 refuses to replace an
// existing key (ErrExists). The object carries its content type, its client's name as
// x-amz-meta-client, and its SHA-256 as the PutObject checksum, which S3 verifies on arrival
// and keeps with the object. The SDK's retries end with ctx.
//
// S3 writes are atomic, so a failed write leaves nothing under the key; but an attempt whose
// answer was lost (a reset or timeout after the request was sent), or answered with a 5xx
// other than a refusal (500 InternalError), may have stored the object. Create watches every
// attempt the SDK makes and reports such a call as ports.ErrUnknown, and a 412 that follows
// one as ErrExists joined with ErrUnknown (see ports.ObjectStore).
func (s *Store) Create(ctx context.Context, obj ports.Object) error {
	in := s.input(obj)
	in.IfNoneMatch = aws.String("*")
	return s.put(ctx, in, ports.ErrExists)
}

// Replace writes obj with PutObject If-Match: etag.
func (s *Store) Replace(ctx context.Context, obj ports.Object, etag string) error {
	in := s.input(obj)
	in.IfMatch = aws.String(etag)
	return s.put(ctx, in, ports.ErrVersion)
}

func (s *Store) input(obj ports.Object) *s3.PutObjectInput {
	in := &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(obj.Key),
		Body:          bytes.NewReader(obj.Data),
		ContentLength: aws.Int64(int64(len(obj.Data))),
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
	return in
}

// put sends in, watching its attempts; a 412 is precondition.
func (s *Store) put(ctx context.Context, in *s3.PutObjectInput, precondition error) error {
	w := &watch{}
	_, err := s.client.PutObject(ctx, in, func(o *s3.Options) { o.HTTPClient = w.client(o.HTTPClient) })
	if err == nil {
		return nil
	}
	lost := w.lost()
	code := ""
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code = apiErr.ErrorCode()
	}
	var outcome error
	switch code {
	case "PreconditionFailed":
		outcome = precondition
	case "NoSuchKey":
		outcome = ports.ErrNotFound
	case "ConditionalRequestConflict", "OperationAborted": // 409: another conditional write of the key is in flight
		outcome = ports.ErrConcurrent
	case "BadDigest", "XAmzContentChecksumMismatch":
		outcome = ports.ErrChecksum
	}
	where := fmt.Sprintf("put s3://%s/%s", s.bucket, aws.ToString(in.Key))
	switch {
	case lost && outcome != nil:
		return fmt.Errorf("%s: %w after an attempt whose answer was lost (%w): %w", where, outcome, ports.ErrUnknown, err)
	case lost:
		return fmt.Errorf("%s: %w: %w", where, ports.ErrUnknown, err)
	case outcome != nil:
		return fmt.Errorf("%s: %w: %w", where, outcome, err)
	}
	return fmt.Errorf("%s: %w", where, err)
}

// Get reads an object with GetObject, its SHA-256 checksum included (ChecksumMode ENABLED).
// A 403 AccessDenied is ports.ErrDenied, never ErrNotFound: S3 answers it to a caller
// without s3:GetObject on the key, and to one without s3:ListBucket on the bucket when the
// key is missing.
func (s *Store) Get(ctx context.Context, key string) (ports.Object, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket:       aws.String(s.bucket),
		Key:          aws.String(key),
		ChecksumMode: types.ChecksumModeEnabled,
	})
	if err != nil {
		var nsk *types.NoSuchKey
		var apiErr smithy.APIError
		switch {
		case errors.As(err, &nsk):
			return ports.Object{}, fmt.Errorf("get s3://%s/%s: %w: %w", s.bucket, key, ports.ErrNotFound, err)
		case errors.As(err, &apiErr) && apiErr.ErrorCode() == "AccessDenied":
			return ports.Object{}, fmt.Errorf("get s3://%s/%s: %w (%s): %w", s.bucket, key, ports.ErrDenied, s.readGrant(key), err)
		}
		return ports.Object{}, fmt.Errorf("get s3://%s/%s: %w", s.bucket, key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return ports.Object{}, fmt.Errorf("read s3://%s/%s: %w", s.bucket, key, err)
	}
	o := ports.Object{
		Key:         key,
		Data:        data,
		ContentType: aws.ToString(out.ContentType),
		Client:      out.Metadata[MetadataClient],
		ETag:        aws.ToString(out.ETag),
	}
	if sum, err := base64.StdEncoding.DecodeString(aws.ToString(out.ChecksumSHA256)); err == nil && len(sum) == sha256.Size {
		copy(o.SHA256[:], sum)
	}
	return o, nil
}

// readGrant names what a role needs to read key exactly: s3:GetObject on the keys beside it,
// s3:ListBucket on the bucket, and kms:Decrypt on the bucket's key under SSE-KMS (S3 answers a
// GetObject it cannot decrypt 403 AccessDenied too).
func (s *Store) readGrant(key string) string {
	dir := key[:strings.LastIndex(key, "/")+1]
	return fmt.Sprintf("grant s3:GetObject on arn:aws:s3:::%s/%s* and s3:ListBucket on arn:aws:s3:::%s; without s3:ListBucket, S3 answers a missing key 403, not 404; and kms:Decrypt on the bucket's key if it encrypts with SSE-KMS", s.bucket, dir, s.bucket)
}

// MetadataClient is the user metadata key (x-amz-meta-client) of the client's name.
const MetadataClient = "client"
