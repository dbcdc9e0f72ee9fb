package httpserver_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// TestStalledPatch: a PATCH whose body stalls is answered 408 after BodyGrace, as a drop's
// is, and keeps the bytes that arrived whole: HEAD says so, and the upload resumes from there.
func TestStalledPatch(t *testing.T) {
	store := memstore.New()
	core := facetest.Core(t, store)
	u, err := domain.NewUploads(core, store, domain.UploadConfig{MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	h := httpserver.NewHandler(core, quiet(), httpserver.WithUploads(u, httpserver.UploadOptions{UploadFace: httpface.UploadFace{MaxBytes: 1 << 20}, PartSize: store.UploadPartSize()}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- (&httpserver.Server{Handler: h, Log: slog.New(slog.DiscardHandler)}).Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	base := "http://" + ln.Addr().String()

	resp := tusRequest(t, "POST", base+"/v1/uploads", facetest.AuthToken, nil, "Upload-Length", fmt.Sprint(1<<20))
	loc := resp.Header.Get("Location")
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sent := 100 << 10
	fmt.Fprintf(conn, "PATCH %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n%s: Bearer %s\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: %d\r\n\r\n",
		loc, facetest.AuthToken, facetest.CDNHeader, facetest.CDNToken, 1<<20)
	conn.Write([]byte(strings.Repeat("s", sent))) // then nothing: the body stalls
	start := time.Now()
	answer, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if answer.StatusCode != http.StatusRequestTimeout {
		t.Errorf("a stalled PATCH: %d, want 408", answer.StatusCode)
	}
	if took := time.Since(start); took > httpserver.BodyGrace+3*time.Second {
		t.Errorf("answered after %v, want about BodyGrace (%v)", took, httpserver.BodyGrace)
	}
	if got := tusRequest(t, "HEAD", base+loc, facetest.AuthToken, nil).Header.Get("Upload-Offset"); got != fmt.Sprint(sent) {
		t.Errorf("after the stall, Upload-Offset %s, want the %d bytes that arrived", got, sent)
	}
}
