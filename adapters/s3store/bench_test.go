package s3store_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// BenchmarkPutObject is one raw PutObject of 1 KB and 10 KB to MinIO on loopback, through the
// store.
//
//	eval "$(scripts/minio start)"; go test -run '^$' -bench PutObject ./adapters/s3store/
func BenchmarkPutObject(b *testing.B) {
	srv := miniotest.Require(b)
	client := srv.Client(b)
	for _, size := range []int{1024, 10240} {
		b.Run(fmt.Sprintf("%dKB", size/1024), func(b *testing.B) {
			store := s3store.New(client, srv.NewBucket(b, client))
			data := bytes.Repeat([]byte("x"), size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if err := store.Create(context.Background(), ports.Object{Key: fmt.Sprintf("bench-%09d", i), Data: data}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
