package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"strings"
	"sync"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/client"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// UploadsMemoryBound bounds the server's peak RSS while 8 uploads run at once into a folder,
// each PATCH holding two parts (the folder store's: 1 MiB) within MAX_INFLIGHT_BYTES: the
// process's own and the connections', far below the 8 × 32 MiB the uploads carry.
const UploadsMemoryBound = 64 << 20

// UploadsMemoryBoundS3 bounds it into S3, whose parts are 5 MiB and go several at once: the
// process's own, the SDK's, and the whole default budget of 32 MiB (MAX_INFLIGHT_BYTES), below
// the 128 MiB the server assumes.
const UploadsMemoryBoundS3 = 96 << 20

// TestUploadsMemoryBound: the built server, 8 uploads of 32 MiB at once (into a folder in
// 4 MiB chunks; into MinIO in 16 MiB chunks, several parts of each at once): each stored
// whole, and the peak RSS stays under the bound.
func TestUploadsMemoryBound(t *testing.T) {
	t.Run("folder", func(t *testing.T) {
		dir := t.TempDir()
		p, _ := start(t, dir, fsEnv(dir, "MAX_UPLOAD_BYTES=1073741824"))
		data := uploadsAtOnce(t, p, client.DefaultChunkSize, UploadsMemoryBound)
		wantEach(t, files(t, dir), data)
	})
	t.Run("minio", func(t *testing.T) {
		srv := miniotest.Require(t)
		s3c := srv.Client(t)
		bucket := srv.NewBucket(t, s3c)
		dir := t.TempDir()
		env := append(fsEnv(dir, "MAX_UPLOAD_BYTES=1073741824"), "STORAGE=s3", "BUCKET="+bucket,
			"S3_ENDPOINT_URL="+srv.Endpoint, "AWS_REGION="+srv.Region,
			"AWS_ACCESS_KEY_ID="+srv.AccessKey, "AWS_SECRET_ACCESS_KEY="+srv.SecretKey)
		p, _ := start(t, dir, env)
		data := uploadsAtOnce(t, p, 16<<20, UploadsMemoryBoundS3)
		stored := map[string]string{}
		for k, v := range miniotest.Objects(t, s3c, bucket) {
			if !strings.HasPrefix(k, ".") {
				stored[k] = string(v)
			}
		}
		wantEach(t, stored, data)
	})
}

// uploadsAtOnce sends 8 uploads of the same 32 MiB at once to the server p in chunks of
// chunk bytes, checks each succeeded and the peak RSS stayed under bound, and returns the bytes.
func uploadsAtOnce(t *testing.T, p *process, chunk int, bound int64) []byte {
	t.Helper()
	url := "http://" + logged(t, p, "addr") + "/v1/drop"
	c, err := client.New(url, facetest.AuthToken, client.WithHeader(facetest.CDNHeader, "Bearer "+facetest.CDNToken))
	if err != nil {
		t.Fatal(err)
	}
	offer, err := c.Uploads(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	floor := peakRSS(t, p.cmd.Process.Pid) // the server started, and asked once
	const uploads, size = 8, 32 << 20
	data := make([]byte, size)
	rand.Read(data)
	errs := make([]error, uploads)
	var wg sync.WaitGroup
	for i := range uploads {
		wg.Go(func() {
			_, errs[i] = c.Upload(context.Background(), offer, bytes.NewReader(data), size, client.WithChunkSize(chunk))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("upload %d: %v", i, err)
		}
	}
	peak := peakRSS(t, p.cmd.Process.Pid)
	t.Logf("8 uploads of 32 MiB at once: peak RSS %.1f MiB (%.1f MiB before them)", float64(peak)/(1<<20), float64(floor)/(1<<20))
	if peak > bound {
		t.Errorf("peak RSS %d bytes, over %d", peak, bound)
	}
	return data
}

// wantEach checks that the store holds 8 objects, each data.
func wantEach(t *testing.T, got map[string]string, data []byte) {
	t.Helper()
	if len(got) != 8 {
		t.Errorf("%d objects, want 8", len(got))
	}
	for name, content := range got {
		if content != string(data) {
			t.Errorf("%s holds %d bytes, not the %d uploaded", name, len(content), len(data))
		}
	}
}
