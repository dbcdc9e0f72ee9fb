package clienttest

import (
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// DropboxWithUploads is Dropbox with uploads (tus) of at most maxUpload bytes on
// /v1/uploads, beside the drop URL it returns.
func DropboxWithUploads(t testing.TB, maxBytes int, maxUpload int64) (string, *memstore.Store) {
	t.Helper()
	core, store := facetest.MemCore(t, func(cfg *domain.Config) { cfg.MaxBytes = maxBytes })
	u, err := domain.NewUploads(core, store, domain.UploadConfig{MaxBytes: maxUpload})
	if err != nil {
		t.Fatal(err)
	}
	h := httpserver.NewHandler(core, httpface.NewRecorder(slog.New(slog.DiscardHandler), ""),
		httpserver.WithUploads(u, httpserver.UploadOptions{UploadFace: httpface.UploadFace{MaxBytes: maxUpload}, PartSize: store.UploadPartSize()}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/v1/drop", store
}
