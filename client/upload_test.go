package client_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/client"
	"github.com/s3-dropbox/s3-dropbox/client/clienttest"
)

func objects(store *memstore.Store) []string {
	var out []string
	for _, k := range store.Keys() {
		if !strings.HasPrefix(k, ".") {
			out = append(out, k)
		}
	}
	return out
}

func TestUploadsURL(t *testing.T) {
	for _, tt := range []struct{ drop, want string }{
		{"https://dropbox.example.com/v1/drop", "https://dropbox.example.com/v1/uploads"},
		{"https://dropbox.example.com/v1/drop/", "https://dropbox.example.com/v1/uploads"},
		{"http://127.0.0.1:8080/v1/drop?x=1", "http://127.0.0.1:8080/v1/uploads"},
	} {
		if got, err := client.UploadsURL(tt.drop); err != nil || got != tt.want {
			t.Errorf("UploadsURL(%s) = %q, %v; want %q", tt.drop, got, err, tt.want)
		}
	}
}

func TestUploadsOffered(t *testing.T) {
	url, _ := clienttest.DropboxWithUploads(t, 0, 1<<20)
	offer, err := newClient(t, url, nil).Uploads(context.Background())
	if err != nil || offer.MaxBytes != 1<<20 || !strings.HasSuffix(offer.URL, "/v1/uploads") || offer.Checksum != "crc32c" {
		t.Errorf("Uploads() = %+v, %v; want the uploads' URL, 1 MiB and crc32c", offer, err)
	}
	plain, _ := clienttest.Dropbox(t, 0)
	if _, err := newClient(t, plain, nil).Uploads(context.Background()); !errors.Is(err, client.ErrNoUploads) {
		t.Errorf("a service without uploads: %v, want ErrNoUploads", err)
	}
}

// TestUploadResumes: an upload stopped after its first chunk resumes from its state file in
// a second call, and a third call finds it stored: one object, whole.
func TestUploadResumes(t *testing.T) {
	url, store := clienttest.DropboxWithUploads(t, 0, 8<<20)
	c := newClient(t, url, nil)
	offer, err := c.Uploads(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 3<<20+1234)
	rand.Read(data)
	state := filepath.Join(t.TempDir(), "state.json")
	ctx, cancel := context.WithCancel(context.Background())
	var seen []int64
	_, err = c.Upload(ctx, offer, bytes.NewReader(data), int64(len(data)), client.WithChunkSize(1<<20), client.WithStateFile(state),
		client.WithFilename("big.bin"), client.WithProgress(func(sent, total int64) {
			seen = append(seen, sent)
			cancel()
		}))
	if err == nil {
		t.Fatal("the interrupted upload succeeded")
	}
	if len(objects(store)) != 0 {
		t.Fatalf("after a chunk, the store holds %q", objects(store))
	}
	rec, err := c.Upload(context.Background(), offer, bytes.NewReader(data), int64(len(data)), client.WithChunkSize(1<<20), client.WithStateFile(state),
		client.WithProgress(func(sent, total int64) { seen = append(seen, sent) }))
	if err != nil || rec.Resumed != 1<<20 || rec.Replayed {
		t.Fatalf("the resumed upload: %+v, %v; want resumed at 1 MiB", rec, err)
	}
	if want := []int64{1 << 20, 2 << 20, 3 << 20, int64(len(data))}; len(seen) != len(want) || seen[len(seen)-1] != int64(len(data)) {
		t.Errorf("progress %v, want %v", seen, want)
	}
	again, err := c.Upload(context.Background(), offer, bytes.NewReader(data), int64(len(data)), client.WithStateFile(state))
	if err != nil || !again.Replayed {
		t.Errorf("a re-run: %+v, %v; want replayed", again, err)
	}
	keys := objects(store)
	if len(keys) != 1 {
		t.Fatalf("the store holds %q, want one object", keys)
	}
	if o, _ := store.Get(context.Background(), keys[0]); !bytes.Equal(o.Data, data) || store.Filename(keys[0]) != "big.bin" {
		t.Errorf("the object: %d bytes, file name %q", len(o.Data), store.Filename(keys[0]))
	}
	if _, err := c.Upload(context.Background(), offer, bytes.NewReader(make([]byte, 9<<20)), 9<<20); err == nil || !strings.Contains(err.Error(), "over the service's upload limit") {
		t.Errorf("an upload over the limit: %v", err)
	}
}

// changing is a file whose bytes change after they were first read (checksummed): the chunk
// sent is not the one checksummed.
type changing struct {
	data  []byte
	mu    sync.Mutex
	reads int
}

func (c *changing) ReadAt(p []byte, off int64) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	n := copy(p, c.data[off:])
	if c.reads > 1 && off == 0 && n > 0 {
		p[0] ^= 0xff
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// TestUploadChecksumEachChunk: each chunk goes with its Upload-Checksum, in the algorithm the
// offer names (crc32c, or sha256 from a service that offers no crc32c), which the service
// checks: a chunk that is not what was checksummed is refused, nothing of it kept.
func TestUploadChecksumEachChunk(t *testing.T) {
	for _, alg := range []string{"crc32c", "sha256"} {
		t.Run(alg, func(t *testing.T) {
			url, store := clienttest.DropboxWithUploads(t, 0, 8<<20)
			c := newClient(t, url, nil)
			offer, err := c.Uploads(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			offer.Checksum = alg
			data := bytes.Repeat([]byte("chunk "), 100_000)
			_, err = c.Upload(context.Background(), offer, &changing{data: data}, int64(len(data)), client.WithChunkSize(256<<10))
			var ce *client.Error
			if !errors.As(err, &ce) || ce.Status != 460 {
				t.Fatalf("a chunk changed after its checksum: %v, want a 460 answer", err)
			}
			if _, err := c.Upload(context.Background(), offer, bytes.NewReader(data), int64(len(data)), client.WithChunkSize(256<<10)); err != nil {
				t.Fatalf("the same file unchanged: %v", err)
			}
			if keys := objects(store); len(keys) != 1 {
				t.Fatalf("the store holds %q, want one object", keys)
			}
		})
	}
}

// TestUploadOfferWithoutChecksum: an Offer made by hand, its Checksum left empty, uploads with
// sha256 (tus's own), stored once.
func TestUploadOfferWithoutChecksum(t *testing.T) {
	url, store := clienttest.DropboxWithUploads(t, 0, 8<<20)
	c := newClient(t, url, nil)
	got, err := c.Uploads(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	offer := client.Offer{URL: got.URL, MaxBytes: got.MaxBytes}
	data := bytes.Repeat([]byte("chunk "), 100_000)
	if _, err := c.Upload(context.Background(), offer, bytes.NewReader(data), int64(len(data)), client.WithChunkSize(256<<10)); err != nil {
		t.Fatalf("an Offer without Checksum: %v, want the upload stored", err)
	}
	if keys := objects(store); len(keys) != 1 {
		t.Fatalf("the store holds %q, want one object", keys)
	}
}
