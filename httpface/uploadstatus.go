package httpface

import (
	"net/http"

	"github.com/s3-dropbox/s3-dropbox/domain"
)

// StatusChecksumMismatch is tus's status of a PATCH whose body does not match its
// Upload-Checksum.
const StatusChecksumMismatch = 460

// uploadStatuses maps the uploads' error codes to their statuses (tus 1.0.0's where it names
// one); they join statuses.
var uploadStatuses = map[string]int{
	domain.EBadUpload:       http.StatusBadRequest,
	domain.EUploadNotFound:  http.StatusNotFound,
	domain.EUploadOffset:    http.StatusConflict,
	domain.EUploadLocked:    http.StatusLocked,
	domain.EUploadChecksum:  StatusChecksumMismatch,
	domain.EUploadComplete:  http.StatusConflict,
	domain.EUploadMediaType: http.StatusUnsupportedMediaType,
}

func init() {
	for code, status := range uploadStatuses {
		statuses[code] = status
	}
}
