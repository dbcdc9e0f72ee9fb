package domain

// Error codes of uploads, beside the drops' (errors.go); the inbound adapters map them to
// statuses in the same table.
const (
	EBadUpload       = "bad_upload"        // a tus header (Upload-Length, Upload-Offset, Upload-Metadata, Upload-Checksum) is missing or malformed
	EUploadNotFound  = "upload_not_found"  // no such upload: none, expired, terminated, or another client's
	EUploadOffset    = "upload_offset"     // a PATCH's Upload-Offset is not the upload's offset
	EUploadLocked    = "upload_locked"     // another request of the upload holds its lock
	EUploadChecksum  = "upload_checksum"   // a PATCH's body does not match its Upload-Checksum
	EUploadComplete  = "upload_complete"   // the upload is complete already
	EUploadMediaType = "upload_media_type" // a PATCH's Content-Type is not application/offset+octet-stream
)
