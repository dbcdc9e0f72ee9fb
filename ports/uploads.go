package ports

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"time"
)

// Uploader is the resumable-upload use-case (tus 1.0.0's creation, core, termination,
// expiration and checksum): authorize, check, keep the bytes, and complete an upload as one
// object. Inbound adapters call it; the protocol's own headers (Tus-Resumable, OPTIONS,
// Location, CORS) are theirs.
type Uploader interface {
	// Upload serves one request of an upload. Every failure is a *domain.Error whose code says
	// why; the result holds what was known when it stopped.
	Upload(ctx context.Context, req UploadRequest) (UploadResult, error)
}

// UploadRequest is one request of an upload as an inbound adapter received it.
type UploadRequest struct {
	Method string    // POST (creation), HEAD, PATCH or DELETE
	ID     string    // the upload's id, from its URL; empty for creation
	Header Header    // the request headers
	Body   io.Reader // a PATCH's body, read as it arrives; nil for the other methods
	// Admission, when set, holds a creation and a PATCH to their client's share of the
	// adapter's scarce resources (see DropRequest), once the core has authorized them and
	// checked their headers; nil: none. HEAD and DELETE are not held.
	Admission Admission
}

// UploadResult describes an upload after one request.
type UploadResult struct {
	ID       string    // the upload's id (set by creation)
	Client   string    // the name of the client whose token was accepted
	Length   int64     // Upload-Length
	Offset   int64     // the bytes kept so far (Upload-Offset)
	Expires  time.Time // when an unfinished upload is forgotten (Upload-Expires)
	Metadata string    // the Upload-Metadata given at creation, as given
	Key      string    // the object's key, once the upload is complete
	Done     bool      // the upload is complete: stored as one object
	Read     int64     // the body bytes this request read
	// Finishing: this request made the upload whole and tried to complete it (Done says
	// whether it did); false when it found the upload complete already.
	Finishing bool
}

// UploadProgress is where a store is in one upload's bytes: opaque to the core, which keeps it
// in the upload's state and gives it back.
type UploadProgress struct {
	Ref   string // the store's name for the upload's bytes
	Size  int64  // the bytes appended so far
	State []byte // the store's own record (its parts), at most a few KiB
}

// UploadObject is what a complete upload becomes.
type UploadObject struct {
	Key         string
	ContentType string
	Client      string
	Filename    string // the file name the client gave, kept as metadata; may be empty
	Size        int64
	SHA256      [sha256.Size]byte // the SHA-256 of all the bytes; kept with the object
}

// UploadStore keeps the bytes of uploads in progress and makes each complete one an object.
// The core keeps the progress each call returns, in the upload's state, and passes it back:
// a store keeps nothing of its own about an upload that the progress does not say.
// Implementations must be safe for concurrent use, on different uploads.
//
// Bytes appended after a progress, and not in a progress the core kept, do not count: an
// Append from an earlier progress writes over them.
type UploadStore interface {
	// UploadPartSize is the size of data Append takes at a time, but the last.
	UploadPartSize() int

	// BeginUpload makes room for the bytes of an upload that will become obj (its key,
	// content type, client and file name; its size and SHA-256 are not known yet), and
	// returns its empty progress.
	BeginUpload(ctx context.Context, obj UploadObject) (UploadProgress, error)

	// AppendUpload appends data to the bytes of p, all of it or nothing, and returns the
	// progress after it. last says these are the upload's last bytes. data is at most
	// UploadPartSize bytes; it is read-only.
	AppendUpload(ctx context.Context, p UploadProgress, data []byte, last bool) (UploadProgress, error)

	// CompleteUpload makes the bytes of p the object obj, create-only: nil, the object is
	// stored whole; ErrExists, the key holds an object (on a key only this upload writes:
	// this upload's, stored by an earlier call); ErrChecksum, the bytes are not obj.SHA256's
	// (nothing stored); ErrUnknown, it may be stored. A failed call never leaves part of the
	// object under the key.
	CompleteUpload(ctx context.Context, p UploadProgress, obj UploadObject) error

	// AbortUpload frees the bytes of p. It is not an error if they are gone.
	AbortUpload(ctx context.Context, p UploadProgress) error
}

// UploadHasher is an UploadStore that hashes the bytes it appends as it sends them (the S3
// store, for its own check at completion): the core takes that SHA-256 rather than hashing
// every byte a second time. The store still refuses, at completion, an obj.SHA256 that is not
// its bytes'.
type UploadHasher interface {
	// UploadSHA256 returns the SHA-256 of p's bytes so far.
	UploadSHA256(ctx context.Context, p UploadProgress) ([32]byte, error)
}

// PartWriter is an UploadStore that can write the parts of an upload's bytes ahead of its
// progress, several at once (the S3 store: a part's round trip is hidden behind the next
// ones'), and add each to the progress later, in order. The core keeps a PATCH's whole parts
// in flight this way, as many as its admission lends it memory for (see PartLender).
type PartWriter interface {
	// WritePart writes data as the part of p's upload that starts at offset, without changing
	// p: offset is a multiple of UploadPartSize at or after p.Size, and p.Size is one too
	// (no bytes wait for a part); data is UploadPartSize bytes, or fewer when last (the
	// upload's last bytes). It is read-only. A part written again at its offset replaces the
	// earlier one.
	WritePart(ctx context.Context, p UploadProgress, offset int64, data []byte, last bool) (UploadPart, error)

	// AddPart returns the progress after p with part, which WritePart wrote at p.Size from
	// data (given again: a store may hash it). It makes no call to the store's backend.
	AddPart(p UploadProgress, part UploadPart, data []byte) (UploadProgress, error)
}

// CheckPart returns why data of size bytes at offset is not a part that a PartWriter of
// partSize parts may write ahead of p (WritePart's rules), or nil.
func CheckPart(p UploadProgress, offset int64, size, partSize int, last bool) error {
	part := int64(partSize)
	switch {
	case p.Size%part != 0 || offset%part != 0 || offset < p.Size:
		return fmt.Errorf("upload %s: a part at %d after %d bytes: not a part's place", p.Ref, offset, p.Size)
	case size > partSize || size < partSize && !last || size == 0:
		return fmt.Errorf("upload %s: a part of %d bytes (last %t): a part is %d bytes, the last at most", p.Ref, size, last, partSize)
	}
	return nil
}

// UploadPart is a part that a PartWriter wrote: where it starts, its size, and the store's
// record of it (opaque to the core).
type UploadPart struct {
	Offset int64
	Size   int
	Record []byte
}

// PartLender is an Admission that lends an admitted PATCH memory for more of its parts in
// flight than the one it holds besides the one it reads, a part at a time: Borrow takes a part
// (false: none free now), Return gives one back once written.
type PartLender interface {
	Admission
	Borrow() bool
	Return()
}

// ErrUploadGone is a store's answer to a progress whose bytes are gone (aborted or expired).
var ErrUploadGone = errors.New("the upload's bytes are gone")

// ETagReplacer is an ObjectStore whose replacement tells the ETag it wrote, so that a caller
// that replaces an object again (an upload's state, under its lock) need not read it back.
type ETagReplacer interface {
	// ReplaceETag is Replace, and returns the new version's ETag.
	ReplaceETag(ctx context.Context, obj Object, etag string) (string, error)
}
