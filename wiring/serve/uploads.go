package serve

import (
	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/wiring"
)

// uploadOption serves uploads through u on the server; store keeps their bytes.
func uploadOption(cfg wiring.ServerSettings, u *domain.Uploads, store ports.ObjectStore) httpserver.Option {
	return httpserver.WithUploads(u, httpserver.UploadOptions{
		MaxBytes:       u.MaxBytes(),
		PartSize:       store.(ports.UploadStore).UploadPartSize(),
		PublicURL:      cfg.PublicURL(),
		AllowedOrigins: cfg.Origins(),
	})
}
