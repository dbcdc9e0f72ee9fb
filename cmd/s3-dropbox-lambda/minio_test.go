package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl/funcurltest"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/domain"
)

// TestNamedClientsIntegrityAndLayoutMinIO: two named client tokens (rotation), a prefix and a
// date partition, digests checked, and what S3 keeps: the client's name as x-amz-meta-client,
// the SHA-256 checksum, the content type.
func TestNamedClientsIntegrityAndLayoutMinIO(t *testing.T) {
	srv := miniotest.Require(t)
	client := srv.Client(t)
	bucket := srv.NewBucket(t, client)
	env(t, srv, bucket)
	t.Setenv("AUTH_TOKEN", "alice:"+domain.TokenDigest("alice-token")+", bob:"+domain.TokenDigest("bob-token"))
	t.Setenv("KEY_PREFIX", "drops/")
	t.Setenv("KEY_DATE_PARTITION", "true")
	var logs bytes.Buffer
	h := handler(t, &logs)

	drop := func(token, payload string, header ...string) int {
		ev := funcurltest.Event(t, "plain")
		ev.Headers["authorization"] = "Bearer " + token
		ev.Headers["content-type"] = "application/json"
		ev.Headers["content-length"] = "1"
		ev.Body = &payload
		for i := 0; i < len(header); i += 2 {
			ev.Headers[header[i]] = header[i+1]
		}
		resp, err := h.Handle(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode
	}
	sum := func(s string) string { d := sha256.Sum256([]byte(s)); return base64.StdEncoding.EncodeToString(d[:]) }
	md := func(s string) string { d := md5.Sum([]byte(s)); return base64.StdEncoding.EncodeToString(d[:]) }

	if got := drop("bob-token", `{"from":"bob"}`, "content-digest", "sha-256=:"+sum(`{"from":"bob"}`)+":"); got != 202 {
		t.Errorf("bob with a correct Content-Digest: %d, want 202", got)
	}
	if got := drop("alice-token", `{"from":"alice"}`, "content-md5", md(`{"from":"alice"}`)); got != 202 {
		t.Errorf("alice with a correct Content-MD5: %d, want 202", got)
	}
	if got := drop("carol-token", `{"from":"carol"}`); got != 401 {
		t.Errorf("a third token: %d, want 401", got)
	}
	if got := drop("bob-token", `{"from":"bob, changed"}`, "content-digest", "sha-256=:"+sum(`{"from":"bob"}`)+":"); got != 400 {
		t.Errorf("a wrong Content-Digest: %d, want 400", got)
	}
	if got := drop("alice-token", `{"from":"alice, changed"}`, "content-md5", md(`{"from":"alice"}`)); got != 400 {
		t.Errorf("a wrong Content-MD5: %d, want 400", got)
	}

	keys := miniotest.Keys(t, client, bucket)
	if len(keys) != 2 {
		t.Fatalf("%d objects, want the 2 accepted: %v", len(keys), keys)
	}
	clients := map[string]string{}
	for _, k := range keys {
		date := time.Now().UTC().Format("2006-01-02")
		if !strings.HasPrefix(k, "drops/dt=") || !strings.Contains(k, "/"+date[:7]) {
			t.Errorf("key %q: want drops/dt=<date>/<date>T…", k)
		}
		head, err := client.HeadObject(context.Background(), &s3.HeadObjectInput{
			Bucket: aws.String(bucket), Key: aws.String(k), ChecksumMode: types.ChecksumModeEnabled,
		})
		if err != nil {
			t.Fatal(err)
		}
		obj, _ := miniotest.Object(t, client, bucket, k)
		if got, want := aws.ToString(head.ChecksumSHA256), sum(string(obj.Data)); got != want {
			t.Errorf("%s: S3 checksum %q, want the payload's SHA-256 %q", k, got, want)
		}
		if ct := aws.ToString(head.ContentType); ct != "application/json" {
			t.Errorf("%s: content type %q, want application/json", k, ct)
		}
		clients[head.Metadata["client"]] = string(obj.Data)
	}
	if clients["bob"] != `{"from":"bob"}` || clients["alice"] != `{"from":"alice"}` {
		t.Errorf("x-amz-meta-client by payload: %v, want bob's and alice's", clients)
	}
	out := logs.String()
	if !strings.Contains(out, `"client":"bob"`) || !strings.Contains(out, `"client":"alice"`) {
		t.Errorf("the log lines do not name the clients:\n%s", out)
	}
	for _, secret := range []string{"alice-token", "bob-token", "carol-token"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds a token")
		}
	}
}

// TestIdempotencyMinIO: the handler as main builds it, into MinIO: a drop retried
// concurrently with one Idempotency-Key is stored once; every answer is 202, all but one
// replays; the key with another payload is 422.
func TestIdempotencyMinIO(t *testing.T) {
	srv := miniotest.Require(t)
	client := srv.Client(t)
	bucket := srv.NewBucket(t, client)
	env(t, srv, bucket)
	h := handler(t, &bytes.Buffer{})

	send := func(payload string) (int, string) {
		ev := funcurltest.Event(t, "plain")
		ev.Headers["idempotency-key"] = "invoice-2026-0042"
		ev.Body = &payload
		resp, err := h.Handle(context.Background(), ev)
		if err != nil {
			t.Error(err)
		}
		return resp.StatusCode, resp.Headers["Idempotent-Replayed"]
	}
	const n = 20
	var wg sync.WaitGroup
	statuses, replays := make([]int, n), make([]string, n)
	for i := range n {
		wg.Go(func() { statuses[i], replays[i] = send("the invoice") })
	}
	wg.Wait()
	fresh := 0
	for i := range n {
		if statuses[i] != 202 {
			t.Errorf("request %d: %d, want 202", i, statuses[i])
		}
		if replays[i] != "true" {
			fresh++
		}
	}
	if fresh != 1 {
		t.Errorf("%d answers were not replays, want 1", fresh)
	}
	if status, _ := send("another invoice"); status != 422 {
		t.Errorf("the key with another payload: %d, want 422", status)
	}
	var payloads, records int
	for k, v := range miniotest.Objects(t, client, bucket) {
		if strings.HasPrefix(k, domain.RecordPrefix) {
			records++
			continue
		}
		payloads++
		if string(v) != "the invoice" {
			t.Errorf("object %s = %q", k, v)
		}
	}
	if payloads != 1 || records != 1 {
		t.Errorf("%d payloads and %d records, want 1 and 1", payloads, records)
	}
}
