package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"sync"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/client"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// UploadsMemoryBound bounds the server's peak RSS while 8 uploads run at once, each PATCH
// holding two parts (the folder store's: 1 MiB) within MAX_INFLIGHT_BYTES: the process's own
// and the connections', far below the 8 × 32 MiB the uploads carry.
const UploadsMemoryBound = 64 << 20

// TestUploadsMemoryBound: the built server, a folder store, 8 uploads of 32 MiB at once in
// 4 MiB chunks: each stored whole, and the peak RSS stays under UploadsMemoryBound.
func TestUploadsMemoryBound(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir, "MAX_UPLOAD_BYTES=1073741824"))
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
			_, errs[i] = c.Upload(context.Background(), offer, bytes.NewReader(data), size)
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
	if peak > UploadsMemoryBound {
		t.Errorf("peak RSS %d bytes, over %d", peak, UploadsMemoryBound)
	}
	got := files(t, dir)
	if len(got) != uploads {
		t.Errorf("%d objects, want %d", len(got), uploads)
	}
	for name, content := range got {
		if content != string(data) {
			t.Errorf("%s holds %d bytes, not the %d uploaded", name, len(content), len(data))
		}
	}
}
