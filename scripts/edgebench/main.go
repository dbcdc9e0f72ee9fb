// Command edgebench serves the floors the HTTP server is measured against with wrk (run.sh):
// a bare net/http handler that reads a drop's body and either puts it to S3 with one
// PutObject (-s3 BUCKET, the SDK's default chain and S3_ENDPOINT_URL) or writes it the naive
// durable way into a folder (-dir: a temporary file, fsync, rename, fsync of the folder);
// answering 202. With -tokens it prints a new client token and its token digest.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3-dropbox/s3-dropbox/internal/naivewrite"

	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/domain"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	bucket := flag.String("s3", "", "bucket to put drops to")
	dir := flag.String("dir", "", "folder to write drops to")
	tokens := flag.Bool("tokens", false, "print a client token and its token digest")
	flag.Parse()
	if *tokens {
		t, err := domain.NewClientToken(rand.Reader)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(t, domain.TokenDigest(t))
		return
	}
	var store func(ctx context.Context, key string, b []byte) error
	switch {
	case *bucket != "":
		client, err := s3store.NewClient(context.Background(), os.Getenv("S3_ENDPOINT_URL"))
		if err != nil {
			log.Fatal(err)
		}
		store = func(ctx context.Context, key string, b []byte) error {
			_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String(key), Body: bytes.NewReader(b), ContentLength: aws.Int64(int64(len(b)))})
			return err
		}
	case *dir != "":
		store = func(_ context.Context, key string, b []byte) error { return naivewrite.Write(*dir, key, b) }
	default:
		log.Fatal("-s3 BUCKET or -dir FOLDER")
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(io.LimitReader(r.Body, 10241))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var id [16]byte
		rand.Read(id[:])
		if err := store(r.Context(), hex.EncodeToString(id[:]), b); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
