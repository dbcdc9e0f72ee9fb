package domain

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// The tus headers the core reads.
const (
	UploadLengthHeader   = "upload-length"
	UploadOffsetHeader   = "upload-offset"
	UploadMetadataHeader = "upload-metadata"
	UploadChecksumHeader = "upload-checksum"
	// PatchContentType is the only content type of a PATCH's body.
	PatchContentType = "application/offset+octet-stream"
)

// patch appends a PATCH's body to an upload, at its offset: under the upload's lock, one part
// at a time, and commits what it kept in one write of the state at the end. A body past the
// length, or whose Upload-Checksum does not match, keeps nothing; a body cut short keeps the
// bytes that arrived whole (unless it carried an Upload-Checksum, which cannot be checked
// then). The PATCH that makes the upload whole completes it.
func (u *Uploads) patch(ctx context.Context, owner string, req ports.UploadRequest, admit func() (func(), error), res ports.UploadResult) (ports.UploadResult, error) {
	offset, sum, declared, err := parsePatch(req.Header)
	if err != nil {
		return res, err
	}
	done, err := admit()
	if err != nil {
		return res, err
	}
	defer done()
	st, err := u.load(ctx, owner, req.ID)
	if err != nil {
		return res, err
	}
	res = st.result(req.ID, res)
	if st.Done && offset == st.Length && declared == 0 {
		return res, nil // a repeat of the last PATCH, whose answer was lost
	}
	if err := u.refusePatch(st, offset, declared); err != nil {
		return res, err
	}
	lock, err := u.takeLock(ctx, owner, req.ID, st)
	if err != nil {
		return res, err
	}
	kept := *st
	read, appendErr, bodyErr := u.appendBody(ctx, st, req.Body, sum, declared, req.Admission)
	res.Read = read
	st.Lock, st.LockedUntil = "", time.Time{}
	discard := errors.Is(bodyErr, errPastLength) || errors.Is(bodyErr, errChecksum) || bodyErr != nil && sum != nil
	if discard { // keep nothing of this PATCH: the state as it was, unlocked
		etag := st.etag
		*st = kept
		st.etag, st.Lock, st.LockedUntil = etag, "", time.Time{}
	}
	if err := u.save(ctx, req.ID, st); err != nil {
		u.releaseAfterUnknown(ctx, owner, req.ID, lock, err)
		if discard {
			return res, bodyOrStoreError(bodyErr, st, u)
		}
		return res, stateError(err)
	}
	res = st.result(req.ID, res)
	switch {
	case bodyErr != nil:
		return res, bodyOrStoreError(bodyErr, st, u)
	case appendErr != nil:
		return res, &Error{Code: EStorage, Err: appendErr,
			Message: fmt.Sprintf("Storage is unavailable: the upload's offset is %d; resume from it later", st.Offset)}
	case st.Offset == st.Length:
		res.Finishing = true
		if err := u.finish(ctx, req.ID, st); err != nil {
			return res, err
		}
		res = st.result(req.ID, res)
	}
	return res, nil
}

// takeLock takes the lock of upload id for a PATCH, by a conditional write of its state st,
// which a concurrent PATCH's loses, and returns the lock's name.
func (u *Uploads) takeLock(ctx context.Context, owner, id string, st *uploadState) (string, error) {
	lock := newLock()
	st.Lock, st.LockedUntil = lock, u.svc.clock.Now().Add(u.cfg.Lease)
	if err := u.save(ctx, id, st); err != nil {
		u.releaseAfterUnknown(ctx, owner, id, lock, err)
		return "", stateError(err)
	}
	return lock, nil
}

// releaseAfterUnknown frees the lock a PATCH took, after a write of the state that took or
// released it was answered err: when err is ports.ErrUnknown, that write may have landed or
// not, and the state is read again; if it still carries lock, it is written unlocked as read
// (its offset, progress and hash: only what a write committed before), on the condition that
// it is still the version read, so that a lock another PATCH took since stays. If the read or
// the write fails, the lock stays until its lease ends.
func (u *Uploads) releaseAfterUnknown(ctx context.Context, owner, id, lock string, err error) {
	if !errors.Is(err, ports.ErrUnknown) {
		return
	}
	st, err := u.load(ctx, owner, id)
	if err != nil || st.Lock != lock {
		return
	}
	st.Lock, st.LockedUntil = "", time.Time{}
	_ = u.save(ctx, id, st)
}

// parsePatch returns a PATCH's offset, its Upload-Checksum (nil: none) and its declared
// length (-1: none), or why its headers are refused.
func parsePatch(h ports.Header) (offset int64, sum *checksum, declared int64, err error) {
	if ct, _ := h.Get("content-type"); !strings.EqualFold(strings.TrimSpace(ct), PatchContentType) {
		return 0, nil, 0, Errorf(EUploadMediaType, "The Content-Type of a PATCH must be %s", PatchContentType)
	}
	ov, ok := h.Get(UploadOffsetHeader)
	if !ok {
		return 0, nil, 0, Errorf(EBadUpload, "The Upload-Offset header must be present: the offset the body starts at")
	}
	if offset, err = parseCount(ov); err != nil {
		return 0, nil, 0, Errorf(EBadUpload, "The Upload-Offset header must be a non-negative decimal integer")
	}
	if sum, err = parseUploadChecksum(h); err != nil {
		return 0, nil, 0, err
	}
	declared = -1
	if v, ok := h.Get("content-length"); ok {
		if declared, err = parseCount(v); err != nil {
			return 0, nil, 0, Errorf(EBadLength, "The content-length header must be a non-negative decimal integer")
		}
	}
	return offset, sum, declared, nil
}

// refusePatch returns why a PATCH at offset of declared length (-1: unknown) cannot append to
// the upload st, or nil: complete already, another offset, past the length, locked.
func (u *Uploads) refusePatch(st *uploadState, offset, declared int64) error {
	switch {
	case st.Done:
		return Errorf(EUploadComplete, "The upload is complete: it is stored as a drop")
	case offset != st.Offset:
		return Errorf(EUploadOffset, "The Upload-Offset must be the upload's offset, %d: ask it with HEAD and resume from it", st.Offset)
	case declared > st.Length-st.Offset:
		return u.pastLength(st)
	case st.locked(u.svc.clock.Now()):
		return lockedError()
	}
	return nil
}

var (
	errPastLength = errors.New("the body goes past the upload's length")
	errChecksum   = errors.New("the body does not match its Upload-Checksum")
)

func (u *Uploads) pastLength(st *uploadState) error {
	return Errorf(ETooLarge, "The PATCH's body must end at the upload's length: at most %d bytes from offset %d", st.Length-st.Offset, st.Offset)
}

// bodyOrStoreError turns the error of reading a PATCH's body into the answer.
func bodyOrStoreError(err error, st *uploadState, u *Uploads) error {
	switch {
	case errors.Is(err, errPastLength):
		return u.pastLength(st)
	case errors.Is(err, errChecksum):
		return Errorf(EUploadChecksum, "The Upload-Checksum does not match the PATCH's body: nothing of it was kept; the upload's offset is %d", st.Offset)
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Code: EBadBody, Err: err, Message: "The request body could not be read"}
}

// checksum is an Upload-Checksum: an algorithm and the digest the body must have.
type checksum struct {
	h    hash.Hash
	want []byte
}

// UploadChecksumAlgorithms are the Upload-Checksum algorithms offered (Tus-Checksum-Algorithm):
// tus's sha1 and sha256, and crc32c (the big-endian CRC-32C, as S3's x-amz-checksum-crc32c),
// which checks a chunk's transfer at a fraction of a SHA's cost.
var UploadChecksumAlgorithms = []string{"sha1", "sha256", "crc32c"}

// parseUploadChecksum parses Upload-Checksum: "<algorithm> <base64 digest>", of
// UploadChecksumAlgorithms.
func parseUploadChecksum(h ports.Header) (*checksum, error) {
	v, ok := h.Get(UploadChecksumHeader)
	if !ok {
		return nil, nil
	}
	alg, b64, _ := strings.Cut(strings.TrimSpace(v), " ")
	var c checksum
	switch alg {
	case "sha256":
		c.h = sha256.New()
	case "sha1":
		c.h = sha1.New()
	case "crc32c":
		c.h = crc32.New(crc32.MakeTable(crc32.Castagnoli))
	default:
		return nil, Errorf(EBadUpload, "The Upload-Checksum algorithm must be sha256, sha1 or crc32c")
	}
	want, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil || len(want) != c.h.Size() {
		return nil, Errorf(EBadUpload, "The Upload-Checksum header must be the algorithm, a space and the base64 of the body's %d-byte digest", c.h.Size())
	}
	c.want = want
	return &c, nil
}

// appendBody reads body one piece at a time, each at most a part and ending on the store's
// part boundaries, and hands each to a window that appends it to the store (see window):
// while pieces are written, the next is read. It returns the body bytes read, the store's
// error, and the body's (errPastLength, errChecksum, or the reader's own). adm may lend the
// PATCH memory for more pieces in flight (ports.PartLender).
func (u *Uploads) appendBody(ctx context.Context, st *uploadState, body io.Reader, sum *checksum, declared int64, adm ports.Admission) (read int64, storeErr, bodyErr error) {
	whole, err := u.wholeHash(st)
	if err != nil {
		return 0, err, nil
	}
	if body == nil {
		body = strings.NewReader("")
	}
	part := int64(u.store.UploadPartSize())
	size := min(part, max(st.Length-st.Offset, 1)) // a piece: at most a part, the rest, the body and a byte
	if declared >= 0 {
		size = min(size, declared+1)
	}
	w := newWindow(ctx, u, st, adm, int(size))
	off := st.Offset // the reader's offset: st.Offset and the pieces in flight
	for {
		// Pieces end on the store's part boundaries, so that after a cut PATCH only the first
		// piece of the next one is short.
		want := min(part-off%part, size, st.Length-off)
		buf := w.buffer()[:want]
		n, r, ended, err := readPiece(body, buf, off+want == st.Length)
		read += r
		switch {
		case errors.Is(err, errPastLength):
			return read, w.settle(), errPastLength
		case err != nil && !ended && sum != nil:
			return read, w.settle(), err // a cut body's checksum cannot be checked: keep nothing
		}
		if n > 0 && sum != nil {
			sum.h.Write(buf[:n])
		}
		if ended && sum.mismatch() {
			return read, w.settle(), errChecksum
		}
		if n > 0 {
			state, herr := hashState(whole, buf[:n])
			if herr != nil {
				return read, errors.Join(w.settle(), herr), nil
			}
			if serr := w.start(off, buf[:n], off+int64(n) == st.Length, state); serr != nil {
				return read, serr, nil
			}
			off += int64(n)
		}
		if ended || err != nil {
			return read, w.settle(), err // cut short: what arrived whole is kept
		}
	}
}

// wholeHash returns the SHA-256 of st's bytes so far, to continue, or nil when the store's
// SHA-256 is the object's (ports.UploadHasher).
func (u *Uploads) wholeHash(st *uploadState) (hash.Hash, error) {
	if _, ok := u.store.(ports.UploadHasher); ok {
		return nil, nil
	}
	whole := sha256.New()
	if err := whole.(encoding.BinaryUnmarshaler).UnmarshalBinary(st.Hash); err != nil {
		return nil, &Error{Code: EInternal, Message: "Internal error", Err: fmt.Errorf("hash state: %w", err)}
	}
	return whole, nil
}

// readPiece reads buf from body: n bytes, r read in all, and whether the body ended. At the
// upload's last bytes (last) it reads one more: a byte past them is errPastLength, and a
// body whose end was not seen is cut (the reader's error).
func readPiece(body io.Reader, buf []byte, last bool) (n int, r int64, ended bool, err error) {
	n, err = io.ReadFull(body, buf)
	r = int64(n)
	ended = err == io.EOF || err == io.ErrUnexpectedEOF
	if err == nil && last {
		var one [1]byte
		m, rerr := io.ReadFull(body, one[:])
		r += int64(m)
		switch {
		case m > 0:
			return n, r, false, errPastLength
		case rerr != io.EOF && rerr != io.ErrUnexpectedEOF:
			return n, r, false, rerr // the body's end was not seen: it was cut
		}
		ended = true
	}
	if ended {
		err = nil
	}
	return n, r, ended, err
}

// hashState returns the SHA-256 state after piece: whole's, having written it, or nil when
// whole is nil (the store hashes: ports.UploadHasher).
func hashState(whole hash.Hash, piece []byte) ([]byte, error) {
	if whole == nil {
		return nil, nil
	}
	whole.Write(piece)
	return whole.(encoding.BinaryMarshaler).MarshalBinary()
}

// mismatch says whether a body whole does not match the Upload-Checksum c (nil: none).
func (c *checksum) mismatch() bool {
	return c != nil && !bytes.Equal(c.h.Sum(nil), c.want)
}

// finish completes a whole upload as one object, create-only at the key fixed at its creation,
// and records it done. Only this upload writes that key, so finding it taken after an attempt
// means an earlier completion stored it.
func (u *Uploads) finish(ctx context.Context, id string, st *uploadState) error {
	whole := sha256.New()
	if err := whole.(encoding.BinaryUnmarshaler).UnmarshalBinary(st.Hash); err != nil {
		return &Error{Code: EInternal, Message: "Internal error", Err: fmt.Errorf("hash state: %w", err)}
	}
	obj := ports.UploadObject{Key: st.Key, ContentType: st.ContentType, Client: st.Client, Filename: st.Filename, Size: st.Length}
	copy(obj.SHA256[:], whole.Sum(nil))
	if hs, ok := u.store.(ports.UploadHasher); ok {
		sum, err := hs.UploadSHA256(ctx, st.Progress)
		if err != nil {
			return &Error{Code: EStorage, Err: err, Message: fmt.Sprintf("Storage is unavailable: the upload (offset %d) is not complete yet; resume with HEAD later", st.Offset)}
		}
		obj.SHA256 = sum
	}
	var err error
	maybe := false
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			if perr := pause(ctx, attempt); perr != nil {
				err = perr
				break
			}
		}
		err = u.store.CompleteUpload(ctx, st.Progress, obj)
		if err == nil || errors.Is(err, ports.ErrExists) {
			err = nil
			break
		}
		if errors.Is(err, ports.ErrUnknown) || errors.Is(err, ports.ErrConcurrent) {
			maybe = true
			continue
		}
		break
	}
	switch {
	case err != nil && maybe:
		return &Error{Code: EStorageUnknown, Err: err,
			Message: "The upload is whole, and storage gave no definite answer to its completion: ask with HEAD, which completes it once"}
	case err != nil:
		return &Error{Code: EStorage, Err: err,
			Message: "The upload is whole, and storage is unavailable to complete it: ask with HEAD later, which completes it once"}
	}
	st.Done = true
	if serr := u.save(ctx, id, st); serr != nil {
		// Stored, whole; the state still says otherwise, and the next HEAD completes it again
		// (the key taken: done).
		return nil
	}
	return nil
}

// uploadMetadata is what the core reads of Upload-Metadata.
type uploadMetadata struct {
	contentType string // from filetype, as a drop's Content-Type
	filename    string
}

// MaxUploadMetadataBytes bounds Upload-Metadata as sent; MaxFilenameBytes a file name.
const (
	MaxUploadMetadataBytes = 4096
	MaxFilenameBytes       = 255
)

// parseUploadMetadata parses Upload-Metadata: comma-separated "key base64value" pairs (the
// value may be absent), keys unique ASCII without spaces or commas. filetype is checked as a
// drop's Content-Type; filename must be at most MaxFilenameBytes and pass validName.
func parseUploadMetadata(v string) (uploadMetadata, error) {
	md := uploadMetadata{contentType: DefaultContentType}
	if strings.TrimSpace(v) == "" {
		return md, nil
	}
	if len(v) > MaxUploadMetadataBytes {
		return md, Errorf(EBadUpload, "The Upload-Metadata header must be at most %d bytes", MaxUploadMetadataBytes)
	}
	bad := Errorf(EBadUpload, "The Upload-Metadata header must be comma-separated pairs of a key and the base64 of its value")
	seen := map[string]bool{}
	for _, pair := range strings.Split(v, ",") {
		key, val, _ := strings.Cut(strings.TrimSpace(pair), " ")
		if key == "" || seen[key] || strings.IndexFunc(key, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0 {
			return md, bad
		}
		seen[key] = true
		dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(val))
		if err != nil {
			return md, bad
		}
		switch key {
		case "filetype":
			if len(dec) > MaxContentTypeBytes {
				return md, Errorf(EBadContentType, "The filetype in Upload-Metadata must be at most %d bytes", MaxContentTypeBytes)
			}
			if md.contentType = contentType(string(dec), true); len(md.contentType) > MaxContentTypeBytes {
				return md, Errorf(EBadContentType, "The filetype in Upload-Metadata must be at most %d bytes", MaxContentTypeBytes)
			}
		case "filename":
			if len(dec) > MaxFilenameBytes || !validName(string(dec)) {
				return md, Errorf(EBadUpload, "The filename in Upload-Metadata must be UTF-8 of at most %d bytes, with no control characters, line separators or bidirectional overrides", MaxFilenameBytes)
			}
			md.filename = string(dec)
		}
	}
	return md, nil
}

// validName reports whether s is a file name to keep: valid UTF-8 without control characters
// (C0, DEL, C1), line or paragraph separators, or bidirectional embeddings, overrides and
// isolates (which make a name display as another: "evil\u202egpj.exe" as "evilexe.jpg").
func validName(s string) bool {
	for _, r := range s {
		switch {
		case r == '\uFFFD', unicode.IsControl(r), r == '\u2028', r == '\u2029',
			r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069':
			return false
		}
	}
	return true
}
