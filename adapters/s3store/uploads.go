package s3store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// UploadPartSize is the part size of uploads: S3's smallest part but the last. With at most
// MaxParts parts, an upload is at most MaxUploadBytes.
const (
	UploadPartSize = 5 << 20
	MaxParts       = 10000
	MaxUploadBytes = UploadPartSize * MaxParts
)

// PendingPrefix is where the bytes of an upload that do not make a part yet wait (a PATCH
// through a Function URL carries less than a part), hidden beside the uploads' state
// (domain.UploadPrefix).
const PendingPrefix = ".idempotency/uploads/pending/"

// Metadata keys (x-amz-meta-*) of an upload's object beside MetadataClient.
const (
	MetadataFilename = "filename" // the file name the client gave, URL-escaped (S3 metadata is ASCII)
)

// TagSHA256 is the object tag that keeps the SHA-256 of an upload's object (standard base64):
// S3 keeps no whole SHA-256 of a multipart object (its parts carry CRC-32C checksums), and its
// metadata is fixed when the upload begins, before the bytes are known.
const TagSHA256 = "sha256"

var _ ports.UploadStore = (*Store)(nil)

// UploadPartSize returns UploadPartSize.
func (s *Store) UploadPartSize() int { return UploadPartSize }

// MaxUploadBytes returns MaxUploadBytes: the largest upload of MaxParts parts.
func (s *Store) MaxUploadBytes() int64 { return MaxUploadBytes }

// multipart is an upload's own record, in its progress's State: its parts, and the bytes
// waiting for the next one.
type multipart struct {
	Key     string `json:"key"` // S3 names a multipart upload by its key and its id (the Ref)
	Parts   []part `json:"parts,omitempty"`
	Pending string `json:"pending,omitempty"` // the key of the waiting bytes' object; "": none
	// PendingSHA256 is the SHA-256 of the waiting bytes (hex): a stale writer of the same key
	// is found out.
	PendingSHA256 string `json:"pending_sha256,omitempty"`
	// Hash is the SHA-256 state of the parts' bytes (encoding.BinaryMarshaler): completion
	// checks the object's SHA-256 against it.
	Hash []byte `json:"hash,omitempty"`
}

// hash returns the SHA-256 of the parts' bytes so far, to go on with.
func (m *multipart) hash() (hash.Hash, error) {
	h := sha256.New()
	if len(m.Hash) > 0 {
		if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(m.Hash); err != nil {
			return nil, fmt.Errorf("the upload's hash state: %w", err)
		}
	}
	return h, nil
}

type part struct {
	N      int32  `json:"n"`
	ETag   string `json:"etag"`
	CRC32C string `json:"crc32c"` // standard base64 of the big-endian CRC-32C
}

func decodeMultipart(p ports.UploadProgress) (multipart, error) {
	var m multipart
	if len(p.State) == 0 {
		return m, nil
	}
	if err := json.Unmarshal(p.State, &m); err != nil {
		return m, fmt.Errorf("upload %s: its record: %w", p.Ref, err)
	}
	return m, nil
}

// BeginUpload starts a multipart upload of obj's key, with its content type and metadata
// (client, file name) and CRC-32C part checksums, which S3 checks on each part.
func (s *Store) BeginUpload(ctx context.Context, obj ports.UploadObject) (ports.UploadProgress, error) {
	in := &s3.CreateMultipartUploadInput{
		Bucket:            aws.String(s.bucket),
		Key:               aws.String(obj.Key),
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32c,
		Metadata:          map[string]string{},
	}
	if obj.ContentType != "" {
		in.ContentType = aws.String(obj.ContentType)
	}
	if obj.Client != "" {
		in.Metadata[MetadataClient] = obj.Client
	}
	if obj.Filename != "" {
		in.Metadata[MetadataFilename] = url.PathEscape(obj.Filename)
	}
	out, err := s.client.CreateMultipartUpload(ctx, in)
	if err != nil {
		return ports.UploadProgress{}, fmt.Errorf("begin upload s3://%s/%s: %w", s.bucket, obj.Key, err)
	}
	state, _ := json.Marshal(multipart{Key: obj.Key})
	return ports.UploadProgress{Ref: aws.ToString(out.UploadId), State: state}, nil
}

// resumeMultipart returns p's multipart upload and the SHA-256 state of its bytes so far.
func resumeMultipart(p ports.UploadProgress) (multipart, hash.Hash, error) {
	m, err := decodeMultipart(p)
	if err != nil {
		return m, nil, err
	}
	h, err := m.hash()
	return m, h, err
}

// AppendUpload adds data after p: the bytes waiting from earlier appends and data make whole
// parts, each uploaded with its SHA-256 (S3 checks it); the rest waits in an object under
// PendingPrefix, unless last, when it is the last part. Parts and waiting objects are named by
// their place, so an append from an earlier progress writes over what a later one left.
func (s *Store) AppendUpload(ctx context.Context, p ports.UploadProgress, data []byte, last bool) (ports.UploadProgress, error) {
	if len(data) > UploadPartSize {
		return p, fmt.Errorf("%d bytes: more than a part (%d)", len(data), UploadPartSize)
	}
	m, h, err := resumeMultipart(p)
	if err != nil {
		return p, err
	}
	put := func(b []byte) error {
		if len(m.Parts) >= MaxParts {
			return fmt.Errorf("upload %s: more than %d parts", p.Ref, MaxParts)
		}
		pt, err := s.uploadPart(ctx, m.Key, p.Ref, int32(len(m.Parts)+1), b)
		if err != nil {
			return err
		}
		m.Parts = append(m.Parts, pt)
		h.Write(b)
		return nil
	}
	// The waiting bytes (a buffer of one part) are filled from data; what is left of data is
	// sent from data itself: a part of memory besides the caller's.
	rest := data
	var buf []byte
	if m.Pending != "" {
		waiting, err := s.pending(ctx, m)
		if err != nil {
			return p, err
		}
		take := min(UploadPartSize-len(waiting), len(rest))
		waiting, rest = append(waiting, rest[:take]...), rest[take:]
		if len(waiting) < UploadPartSize && !(last && len(rest) == 0) {
			buf = waiting // still short of a part: it waits again
		} else if err := put(waiting); err != nil {
			return p, err
		}
	}
	if buf == nil {
		for len(rest) >= UploadPartSize || last && len(rest) > 0 {
			n := min(len(rest), UploadPartSize)
			if err := put(rest[:n]); err != nil {
				return p, err
			}
			rest = rest[n:]
		}
		buf = rest
	}
	state, err := s.stash(ctx, p.Ref, m, h, buf)
	if err != nil {
		return p, err
	}
	p.Size += int64(len(data))
	p.State = state
	return p, nil
}

var _ ports.PartWriter = (*Store)(nil)

// WritePart uploads data as the part at offset (part number offset/UploadPartSize+1), with
// its CRC-32C, without changing p: several parts of one upload go at once.
func (s *Store) WritePart(ctx context.Context, p ports.UploadProgress, offset int64, data []byte, last bool) (ports.UploadPart, error) {
	m, err := decodeMultipart(p)
	if err != nil {
		return ports.UploadPart{}, err
	}
	if err := ports.CheckPart(p, offset, len(data), UploadPartSize, last); err != nil {
		return ports.UploadPart{}, err
	}
	switch {
	case m.Pending != "":
		return ports.UploadPart{}, fmt.Errorf("upload %s: bytes wait for a part after %d: no part is written ahead of them", p.Ref, p.Size)
	case offset/UploadPartSize >= MaxParts:
		return ports.UploadPart{}, fmt.Errorf("upload %s: more than %d parts", p.Ref, MaxParts)
	}
	pt, err := s.uploadPart(ctx, m.Key, p.Ref, int32(offset/UploadPartSize+1), data)
	if err != nil {
		return ports.UploadPart{}, err
	}
	rec, _ := json.Marshal(pt)
	return ports.UploadPart{Offset: offset, Size: len(data), Record: rec}, nil
}

// AddPart returns p with part, which WritePart wrote at p.Size, and the SHA-256 state after
// data, its bytes.
func (s *Store) AddPart(p ports.UploadProgress, pt ports.UploadPart, data []byte) (ports.UploadProgress, error) {
	m, h, err := resumeMultipart(p)
	if err != nil {
		return p, err
	}
	var rec part
	if err := json.Unmarshal(pt.Record, &rec); err != nil {
		return p, fmt.Errorf("upload %s: a part's record: %w", p.Ref, err)
	}
	if pt.Offset != p.Size || m.Pending != "" || len(data) != pt.Size || int64(rec.N) != p.Size/UploadPartSize+1 {
		return p, fmt.Errorf("upload %s: part %d (%d bytes at %d) does not follow %d bytes", p.Ref, rec.N, pt.Size, pt.Offset, p.Size)
	}
	m.Parts = append(m.Parts, rec)
	h.Write(data)
	if m.Hash, err = h.(encoding.BinaryMarshaler).MarshalBinary(); err != nil {
		return p, err
	}
	p.State, _ = json.Marshal(m)
	p.Size += int64(len(data))
	return p, nil
}

// stash returns the state of m, whose bytes so far h hashed, with buf (nil: none) waiting for
// the next part in an object of its own under PendingPrefix.
func (s *Store) stash(ctx context.Context, ref string, m multipart, h hash.Hash, buf []byte) ([]byte, error) {
	var err error
	if m.Hash, err = h.(encoding.BinaryMarshaler).MarshalBinary(); err != nil {
		return nil, err
	}
	m.Pending, m.PendingSHA256 = "", ""
	if len(buf) > 0 {
		// Named by their place and their SHA-256, and written create-only (the bucket policy
		// refuses unconditional writes): a key taken holds these very bytes.
		sum := sha256.Sum256(buf)
		key := fmt.Sprintf("%s%x/%d-%d-%x", PendingPrefix, sha256.Sum256([]byte(ref)), len(m.Parts)*UploadPartSize, len(buf), sum[:12])
		obj := ports.Object{Key: key, Data: buf, ContentType: "application/octet-stream", SHA256: sum}
		if err := s.Create(ctx, obj); err != nil && !errors.Is(err, ports.ErrExists) {
			return nil, err
		}
		m.Pending, m.PendingSHA256 = key, hex.EncodeToString(sum[:])
	}
	return json.Marshal(m)
}

// UploadSHA256 returns the SHA-256 of p's bytes so far: of its parts' and of the bytes that
// wait (read back from their record, checked: they are at most a part).
func (s *Store) UploadSHA256(ctx context.Context, p ports.UploadProgress) ([32]byte, error) {
	m, err := decodeMultipart(p)
	if err != nil {
		return [32]byte{}, err
	}
	h, err := m.hash()
	if err != nil {
		return [32]byte{}, err
	}
	if m.Pending != "" {
		waiting, err := s.pending(ctx, m)
		if err != nil {
			return [32]byte{}, err
		}
		h.Write(waiting)
	}
	return [32]byte(h.Sum(nil)), nil
}

var _ ports.UploadHasher = (*Store)(nil)

// pending reads the bytes waiting for a part, checked against their SHA-256.
func (s *Store) pending(ctx context.Context, m multipart) ([]byte, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(m.Pending)})
	if err != nil {
		var nsk *types.NoSuchKey
		if errors.As(err, &nsk) {
			return nil, fmt.Errorf("s3://%s/%s: %w: %w", s.bucket, m.Pending, ports.ErrUploadGone, err)
		}
		return nil, fmt.Errorf("get s3://%s/%s: %w", s.bucket, m.Pending, err)
	}
	defer out.Body.Close()
	b := bytes.NewBuffer(make([]byte, 0, UploadPartSize))
	if _, err := io.Copy(b, io.LimitReader(out.Body, UploadPartSize)); err != nil {
		return nil, fmt.Errorf("read s3://%s/%s: %w", s.bucket, m.Pending, err)
	}
	if sum := sha256.Sum256(b.Bytes()); hex.EncodeToString(sum[:]) != m.PendingSHA256 {
		return nil, fmt.Errorf("s3://%s/%s: written over since: %w", s.bucket, m.Pending, ports.ErrUploadGone)
	}
	return b.Bytes(), nil
}

// uploadPart uploads one part with its CRC-32C, which S3 checks: the part arrived as sent.
// (The bytes' SHA-256 is the store's running hash, once, and the object's tag.)
func (s *Store) uploadPart(ctx context.Context, key, ref string, n int32, data []byte) (part, error) {
	b64 := base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, crc32.Checksum(data, castagnoli)))
	out, err := s.client.UploadPart(ctx, &s3.UploadPartInput{
		Bucket:         aws.String(s.bucket),
		Key:            aws.String(key),
		UploadId:       aws.String(ref),
		PartNumber:     aws.Int32(n),
		Body:           bytes.NewReader(data),
		ContentLength:  aws.Int64(int64(len(data))),
		ChecksumCRC32C: aws.String(b64),
	}, unsignedPayload)
	if err != nil {
		if code(err) == "NoSuchUpload" {
			err = fmt.Errorf("%w: %w", ports.ErrUploadGone, err)
		}
		return part{}, fmt.Errorf("upload part %d of %s: %w", n, ref, err)
	}
	return part{N: n, ETag: aws.ToString(out.ETag), CRC32C: b64}, nil
}

// unsignedPayload signs a part's request without hashing its body for the signature: the
// part's own checksum (x-amz-checksum-crc32c), which S3 checks, covers the bytes' transfer,
// and the body is not hashed for SHA-256 a second time.
// The SDK adds no checksum of its own either (RequestChecksumCalculation when required): the
// part's CRC-32C, given, is the one.
func unsignedPayload(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
	o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
}

// uploadKey returns the object key of p's multipart upload.
func (s *Store) uploadKey(p ports.UploadProgress) string {
	m, _ := decodeMultipart(p)
	return m.Key
}

func code(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// CompleteUpload completes p's multipart upload as obj, create-only (If-None-Match: *), then
// tags the object with its SHA-256. A key taken (412), or an upload S3 no longer knows (404
// NoSuchUpload: an earlier completion whose answer was lost) with the key there, is the
// object stored: it is tagged, and ErrExists. An empty upload is one create-only PutObject.
func (s *Store) CompleteUpload(ctx context.Context, p ports.UploadProgress, obj ports.UploadObject) error {
	m, err := decodeMultipart(p)
	if err != nil {
		return err
	}
	if obj.Size == 0 {
		err := s.Create(ctx, ports.Object{Key: obj.Key, ContentType: obj.ContentType, Client: obj.Client, SHA256: obj.SHA256})
		s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(s.bucket), Key: aws.String(obj.Key), UploadId: aws.String(p.Ref)})
		return err // a single object keeps its SHA-256 as its checksum: no tag
	}
	if m.Pending != "" {
		return fmt.Errorf("upload %s: bytes wait for a part at completion: %w", p.Ref, ports.ErrChecksum)
	}
	h, err := m.hash()
	if err != nil {
		return err
	}
	if [sha256.Size]byte(h.Sum(nil)) != obj.SHA256 {
		return fmt.Errorf("upload %s: its parts are not the bytes of SHA-256 %x: %w", p.Ref, obj.SHA256, ports.ErrChecksum)
	}
	parts := make([]types.CompletedPart, len(m.Parts))
	for i, pt := range m.Parts {
		parts[i] = types.CompletedPart{PartNumber: aws.Int32(pt.N), ETag: aws.String(pt.ETag), ChecksumCRC32C: aws.String(pt.CRC32C)}
	}
	w := &watch{}
	_, err = s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket:          aws.String(s.bucket),
		Key:             aws.String(obj.Key),
		UploadId:        aws.String(p.Ref),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
		IfNoneMatch:     aws.String("*"),
	}, func(o *s3.Options) { o.HTTPClient = w.client(o.HTTPClient) })
	where := fmt.Sprintf("complete s3://%s/%s", s.bucket, obj.Key)
	switch c := code(err); {
	case err == nil:
		return s.tag(ctx, obj)
	case c == "PreconditionFailed", c == "NoSuchUpload":
		// The key holds an object (only this upload writes it: ours), or S3 no longer knows
		// the upload: completed by an earlier call whose answer was lost, or aborted. Which
		// one, the key's tags say (read with s3:GetObjectTagging: the function reads no drop);
		// an object that lacks its SHA-256 (a crash, a lost answer before the tag) gets it.
		switch terr := s.ensureTag(ctx, obj); {
		case terr == nil:
			return fmt.Errorf("%s: %w", where, ports.ErrExists)
		case code(terr) == "NoSuchKey" && c == "NoSuchUpload":
			return fmt.Errorf("%s: %w: %w", where, ports.ErrUploadGone, err)
		default:
			return fmt.Errorf("%s: %w: %w (%w)", where, ports.ErrUnknown, err, terr)
		}
	case c == "ConditionalRequestConflict", c == "OperationAborted":
		return fmt.Errorf("%s: %w: %w", where, ports.ErrConcurrent, err)
	case c == "InvalidPart", c == "InvalidPartOrder", c == "BadDigest", c == "EntityTooSmall":
		return fmt.Errorf("%s: %w: %w", where, ports.ErrChecksum, err)
	case w.lost():
		return fmt.Errorf("%s: %w: %w", where, ports.ErrUnknown, err)
	}
	return fmt.Errorf("%s: %w", where, err)
}

// ensureTag tags the object under obj's key with obj's SHA-256 unless it has a TagSHA256
// already; no object is an error of code NoSuchKey.
func (s *Store) ensureTag(ctx context.Context, obj ports.UploadObject) error {
	out, err := s.client.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(s.bucket), Key: aws.String(obj.Key)})
	if err != nil {
		return err
	}
	for _, t := range out.TagSet {
		if aws.ToString(t.Key) == TagSHA256 {
			return nil
		}
	}
	return s.tag(ctx, obj)
}

// tag keeps obj's SHA-256 with the object, as the tag TagSHA256.
func (s *Store) tag(ctx context.Context, obj ports.UploadObject) error {
	_, err := s.client.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(obj.Key),
		Tagging: &types.Tagging{TagSet: []types.Tag{
			{Key: aws.String(TagSHA256), Value: aws.String(base64.StdEncoding.EncodeToString(obj.SHA256[:]))},
		}},
	})
	if err != nil {
		return fmt.Errorf("tag s3://%s/%s with its SHA-256: %w", s.bucket, obj.Key, err)
	}
	return nil
}

// AbortUpload aborts p's multipart upload; one S3 no longer knows is not an error.
func (s *Store) AbortUpload(ctx context.Context, p ports.UploadProgress) error {
	_, err := s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket: aws.String(s.bucket), Key: aws.String(s.uploadKey(p)), UploadId: aws.String(p.Ref),
	})
	if err != nil && code(err) != "NoSuchUpload" {
		return fmt.Errorf("abort upload %s: %w", p.Ref, err)
	}
	return nil
}

// Filename returns the file name an upload kept with the object under key ("" if none).
func (s *Store) Filename(ctx context.Context, key string) (string, error) {
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		return "", err
	}
	return url.PathUnescape(out.Metadata[MetadataFilename])
}

// taggedSHA256 returns the SHA-256 an upload tagged its object with, if any.
func (s *Store) taggedSHA256(ctx context.Context, key string) ([sha256.Size]byte, bool) {
	var sum [sha256.Size]byte
	out, err := s.client.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		return sum, false
	}
	for _, t := range out.TagSet {
		if aws.ToString(t.Key) == TagSHA256 {
			b, err := base64.StdEncoding.DecodeString(aws.ToString(t.Value))
			if err == nil && len(b) == sha256.Size {
				copy(sum[:], b)
				return sum, true
			}
		}
	}
	return sum, false
}

var _ ports.ETagReplacer = (*Store)(nil)

// ReplaceETag is Replace, and returns the ETag S3 gave the new object.
func (s *Store) ReplaceETag(ctx context.Context, obj ports.Object, etag string) (string, error) {
	in := s.input(obj)
	in.IfMatch = aws.String(etag)
	return s.putETag(ctx, in, ports.ErrVersion)
}

// castagnoli is CRC-32C's table (computed with the CPU's instruction where there is one).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)
