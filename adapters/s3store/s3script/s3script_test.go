package s3script_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/s3script"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

const prefix = "records/"

// foreign is the record another request wrote: the claim with "other" appended.
func foreign(claim []byte) ([]byte, error) { return append(bytes.Clone(claim), " other"...), nil }

func newStore(t *testing.T) (*s3store.Store, *s3script.Bucket) {
	srv := s3script.New(t, prefix, foreign)
	b := srv.NewBucket()
	c := miniotest.Server{Endpoint: srv.URL, AccessKey: "AKIDSCRIPT", SecretKey: "script-secret", Region: "us-east-1"}.QuickClient(t)
	return s3store.New(c, b.Name), b
}

func object(key, data string) ports.Object {
	return ports.Object{Key: key, Data: []byte(data), ContentType: "text/plain", Client: "alice", SHA256: sha256.Sum256([]byte(data))}
}

// TestHonest: through the real SDK and s3store, what the endpoint stores is read back whole,
// with its attributes; create-only and If-Match hold as S3's do.
func TestHonest(t *testing.T) {
	store, b := newStore(t)
	ctx := context.Background()
	if err := store.Create(ctx, object("k", "hello")); err != nil {
		t.Fatal(err)
	}
	got, err := store.Get(ctx, "k")
	want := object("k", "hello")
	if err != nil || string(got.Data) != "hello" || got.ContentType != want.ContentType || got.Client != "alice" || got.SHA256 != want.SHA256 || got.ETag == "" {
		t.Fatalf("got %+v, %v; want %+v with an ETag", got, err, want)
	}
	if err := store.Create(ctx, object("k", "again")); !errors.Is(err, ports.ErrExists) || errors.Is(err, ports.ErrUnknown) {
		t.Errorf("second create: %v, want ErrExists alone", err)
	}
	if err := store.Replace(ctx, object("k", "new"), `"stale"`); !errors.Is(err, ports.ErrVersion) {
		t.Errorf("replace of another version: %v, want ErrVersion", err)
	}
	if err := store.Replace(ctx, object("k", "new"), got.ETag); err != nil {
		t.Errorf("replace: %v", err)
	}
	if _, err := store.Get(ctx, "none"); !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("get of no object: %v, want ErrNotFound", err)
	}
	sum := sha256.Sum256([]byte("new"))
	if o := b.Objects()["k"]; string(o.Data) != "new" || o.SHA256 != base64.StdEncoding.EncodeToString(sum[:]) || o.Meta["client"] != "alice" {
		t.Errorf("bucket holds %+v, want the replacement with its checksum", o)
	}
}

// TestScript: each scripted answer does what it says, through the SDK's retries.
func TestScript(t *testing.T) {
	tests := []struct {
		name     string
		payloads []s3script.Answer
		records  []s3script.Answer
		key      string
		held     bool // the key holds an object before the write
		want     []error
		stored   string // what the key holds after
		puts     int
	}{
		{"lost before commit, then ok", []s3script.Answer{s3script.LostBeforeCommit}, nil, "p", false, nil, "data", 2},
		{"lost after commit, then 412", []s3script.Answer{s3script.LostAfterCommit}, nil, "p", false, []error{ports.ErrExists, ports.ErrUnknown}, "data", 2},
		{"slow down thrice", []s3script.Answer{s3script.SlowDown, s3script.SlowDown, s3script.SlowDown}, nil, "p", false, []error{}, "", 3},
		{"409 is not retried by the SDK", []s3script.Answer{s3script.Conflict}, nil, "p", false, []error{ports.ErrConcurrent}, "", 1},
		{"412 on a fresh payload key: processed honestly", []s3script.Answer{s3script.PreconditionFailed}, nil, "p", false, nil, "data", 1},
		{"412 on a held payload key", []s3script.Answer{s3script.PreconditionFailed}, nil, "p", true, []error{ports.ErrExists}, "held", 1},
		{"412 on an empty record key: a foreign claim", nil, []s3script.Answer{s3script.PreconditionFailed}, prefix + "r", false, []error{ports.ErrExists}, "data other", 1},
		{"500 before commit, then ok", []s3script.Answer{s3script.Error500BeforeCommit}, nil, "p", false, nil, "data", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, b := newStore(t)
			ctx := context.Background()
			if tt.held {
				if err := store.Create(ctx, object(tt.key, "held")); err != nil {
					t.Fatal(err)
				}
			}
			before := b.Puts()
			b.Script(tt.payloads, tt.records)
			err := store.Create(ctx, object(tt.key, "data"))
			switch {
			case tt.want == nil && err != nil:
				t.Errorf("create: %v, want success", err)
			case tt.want != nil && err == nil:
				t.Errorf("create succeeded, want an error that is %v", tt.want)
			}
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("create: %v, want it to be %v", err, w)
				}
			}
			if got := string(b.Objects()[tt.key].Data); got != tt.stored {
				t.Errorf("key holds %q, want %q", got, tt.stored)
			}
			if n := b.Puts() - before; n != tt.puts {
				t.Errorf("%d PUTs, want %d", n, tt.puts)
			}
		})
	}
}
