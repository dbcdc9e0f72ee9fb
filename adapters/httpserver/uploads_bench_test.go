package httpserver_test

import (
	"bytes"
	"context"
	"crypto/rand"
	mrand "math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/client"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// benchData returns the benchmarks' file: benchUploadBytes of random bytes (ChaCha8, seeded
// at random: fast, and no two runs alike).
func benchData(b *testing.B) []byte {
	var seed [32]byte
	rand.Read(seed[:])
	data := make([]byte, benchUploadBytes(b))
	mrand.NewChaCha8(seed).Read(data)
	return data
}

// benchUploadBytes is the size of the benchmarks' file: UPLOAD_BENCH_BYTES, 256 MiB by default.
func benchUploadBytes(b *testing.B) int {
	n := 256 << 20
	if v := os.Getenv("UPLOAD_BENCH_BYTES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("UPLOAD_BENCH_BYTES=%q: want a positive number", v)
		}
	}
	return n
}

// BenchmarkUploadThroughServer uploads the file with the client package (chunks of a part,
// 5 MiB, of 20 parts, and the whole file in one PATCH; one chunk at a time) to the server
// (tus), which stores it in MinIO by multipart upload (5 MiB parts, several at once).
// Compare with BenchmarkUploadManager, the SDK's upload manager writing the same bytes to the
// same MinIO with the same part size (docs/uploads.md has the figures).
func BenchmarkUploadThroughServer(b *testing.B) {
	srv := miniotest.Require(b)
	s3c := srv.Client(b)
	bucket := srv.NewBucket(b, s3c)
	data := benchData(b)
	url := serveUploads(&testing.T{}, s3store.New(s3c, bucket), int64(len(data)))
	c, err := client.New(url+"/v1/drop", facetest.AuthToken, client.WithHeader(facetest.CDNHeader, "Bearer "+facetest.CDNToken))
	if err != nil {
		b.Fatal(err)
	}
	offer, err := c.Uploads(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	chunks := []int{benchChunk(b)}
	if os.Getenv("UPLOAD_BENCH_CHUNK") == "" {
		// Whole parts, several at once, while the server reads the next; the whole file in one
		// PATCH is tus-js-client's default (chunkSize Infinity).
		chunks = append(chunks, 20*s3store.UploadPartSize, len(data))
	}
	for _, chunk := range chunks {
		name := "chunk=" + strconv.Itoa(chunk>>20) + "MiB"
		if chunk == len(data) {
			name = "chunk=all"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := c.Upload(context.Background(), offer, bytes.NewReader(data), int64(len(data)), client.WithChunkSize(chunk)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkUploadManager writes the same bytes with feature/s3/manager, 5 MiB parts, its
// default concurrency (5 parts at once), and one part at a time, as a tus upload sends them.
func BenchmarkUploadManager(b *testing.B) {
	b.Run("concurrency=5", func(b *testing.B) { benchManager(b, manager.DefaultUploadConcurrency) })
	b.Run("concurrency=1", func(b *testing.B) { benchManager(b, 1) })
}

func benchManager(b *testing.B, concurrency int) {
	srv := miniotest.Require(b)
	s3c := srv.Client(b)
	bucket := srv.NewBucket(b, s3c)
	data := benchData(b)
	//lint:ignore SA1019 the yardstick is the upload manager partners know (feature/s3/manager)
	up := manager.NewUploader(s3c, func(u *manager.Uploader) { u.PartSize, u.Concurrency = s3store.UploadPartSize, concurrency })
	b.SetBytes(int64(len(data)))
	i := 0
	for b.Loop() {
		i++
		//lint:ignore SA1019 as above
		if _, err := up.Upload(context.Background(), &s3.PutObjectInput{
			Bucket: aws.String(bucket), Key: aws.String("manager-" + strconv.Itoa(i)), Body: bytes.NewReader(data),
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// benchChunk is the client's chunk size in BenchmarkUploadThroughServer: UPLOAD_BENCH_CHUNK,
// the S3 store's part size by default.
func benchChunk(b *testing.B) int {
	if v := os.Getenv("UPLOAD_BENCH_CHUNK"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("UPLOAD_BENCH_CHUNK=%q: want a positive number", v)
		}
		return n
	}
	return s3store.UploadPartSize
}
