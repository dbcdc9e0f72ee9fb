package domain

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// UploadPrefix is the key prefix of the uploads' state records: inside RecordPrefix, so that
// what guards and expires the idempotency records (hidden from consumers, written only
// conditionally, expired after the TTL) guards and expires them too. No record's key has a
// slash after RecordPrefix.
const UploadPrefix = RecordPrefix + "uploads/"

// Defaults of UploadConfig.
const (
	DefaultUploadTTL   = 24 * time.Hour
	DefaultUploadLease = 2 * time.Minute
)

// UploadConfig configures the upload use-case.
type UploadConfig struct {
	MaxBytes int64         // the largest Upload-Length accepted; above 0
	TTL      time.Duration // how long an unfinished upload is kept; DefaultUploadTTL when 0
	// Lease is how long a PATCH holds its upload's lock, at most: past it, a PATCH whose
	// server died no longer keeps others out. It must be longer than any PATCH lasts.
	// DefaultUploadLease when 0.
	Lease time.Duration
}

// Uploads implements ports.Uploader over a drop Service (its tokens, key layout, clock, ids and
// the object store that keeps the uploads' state) and an upload store (their bytes).
type Uploads struct {
	svc   *Service
	store ports.UploadStore
	cfg   UploadConfig
}

var _ ports.Uploader = (*Uploads)(nil)

// NewUploads returns the upload use-case. The state records go to svc's object store.
func NewUploads(svc *Service, store ports.UploadStore, cfg UploadConfig) (*Uploads, error) {
	switch {
	case svc == nil || store == nil:
		return nil, errors.New("a drop service and an upload store are both required")
	case cfg.MaxBytes <= 0:
		return nil, fmt.Errorf("upload limit %d: must be above 0", cfg.MaxBytes)
	case cfg.TTL < 0 || cfg.Lease < 0:
		return nil, errors.New("negative upload TTL or lease")
	case store.UploadPartSize() <= 0:
		return nil, errors.New("the upload store's part size must be above 0")
	}
	if cfg.TTL == 0 {
		cfg.TTL = DefaultUploadTTL
	}
	if cfg.Lease == 0 {
		cfg.Lease = DefaultUploadLease
	}
	return &Uploads{svc: svc, store: store, cfg: cfg}, nil
}

// MaxBytes returns the largest Upload-Length accepted (Tus-Max-Size).
func (u *Uploads) MaxBytes() int64 { return u.cfg.MaxBytes }

// uploadState is the record kept under UploadPrefix for each upload.
type uploadState struct {
	Version     int                  `json:"v"`
	Client      string               `json:"client"` // the name of the token entry that created it
	Owner       string               `json:"owner"`  // who may use it: uploadOwner of that entry
	Length      int64                `json:"length"`
	Offset      int64                `json:"offset"`
	Key         string               `json:"key"` // the object's key, fixed at creation
	ContentType string               `json:"content_type"`
	Filename    string               `json:"filename,omitempty"`
	Metadata    string               `json:"metadata,omitempty"` // Upload-Metadata as given
	Created     time.Time            `json:"created"`
	Expires     time.Time            `json:"expires"`
	Hash        []byte               `json:"hash"` // the SHA-256 state of the bytes so far (encoding.BinaryMarshaler)
	Progress    ports.UploadProgress `json:"progress"`
	Lock        string               `json:"lock,omitempty"` // the PATCH that holds it
	LockedUntil time.Time            `json:"locked_until,omitzero"`
	Done        bool                 `json:"done,omitempty"`
	Terminated  bool                 `json:"terminated,omitempty"`

	etag string // the record's version, as read
}

// uploadID is the form of an upload's id: a version-4 UUID, as the id source makes them.
var uploadID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// Upload serves one request of an upload: the two layers, as for a drop, then the method's
// own rules.
func (u *Uploads) Upload(ctx context.Context, req ports.UploadRequest) (ports.UploadResult, error) {
	var res ports.UploadResult
	if _, err := bearer(req.Header, u.svc.cfg.CDNHeader, EUnauthorizedCDN, u.svc.cfg.CDNTokens); err != nil {
		return res, err
	}
	client, err := bearer(req.Header, AuthHeader, EUnauthorizedAuth, u.svc.cfg.AuthTokens)
	if err != nil {
		return res, err
	}
	res.Client = client.Name
	owner := uploadOwner(client)
	admit := func() (func(), error) {
		if req.Admission == nil {
			return func() {}, nil
		}
		return req.Admission.Admit(ctx, u.svc.clientID(client))
	}
	if req.Method == "POST" && req.ID == "" {
		return u.create(ctx, client.Name, owner, req.Header, admit, res)
	}
	if req.ID == "" {
		return res, Errorf(EMethod, "Only POST is supported on the uploads' URL: it creates an upload")
	}
	switch req.Method {
	case "HEAD":
		return u.head(ctx, owner, req.ID, res)
	case "PATCH":
		return u.patch(ctx, owner, req, admit, res)
	case "DELETE":
		return u.terminate(ctx, owner, req.ID, res)
	}
	return res, Errorf(EMethod, "Only HEAD, PATCH and DELETE are supported on an upload's URL")
}

// result fills res from st.
func (st *uploadState) result(id string, res ports.UploadResult) ports.UploadResult {
	res.ID, res.Length, res.Offset, res.Expires, res.Metadata = id, st.Length, st.Offset, st.Expires, st.Metadata
	if st.Done {
		res.Key, res.Done = st.Key, true
	}
	return res
}

// uploadOwner returns who an upload created with credential c belongs to: a named entry's
// name (its token may be replaced), and for an entry without a name, which is "default" like
// every other unnamed one, a fingerprint of its token digest (the SHA-256 of the digest; not
// its position, which changes when entries are added or removed).
func uploadOwner(c Credential) string {
	if c.Name != DefaultClient {
		return c.Name
	}
	sum := sha256.Sum256(c.Digest[:])
	return DefaultClient + ":" + hex.EncodeToString(sum[:16])
}

// create starts an upload: its length and metadata checked, its key fixed (the creation
// time), its bytes' room made in the store, its state written create-only.
func (u *Uploads) create(ctx context.Context, client, owner string, h ports.Header, admit func() (func(), error), res ports.UploadResult) (ports.UploadResult, error) {
	length, err := u.uploadLength(h)
	if err != nil {
		return res, err
	}
	if v, ok := h.Get("content-length"); ok && strings.TrimSpace(v) != "0" {
		return res, Errorf(EBadUpload, "The creation request must have no body: send the upload's bytes with PATCH (creation-with-upload is not offered)")
	}
	meta, _ := h.Get(UploadMetadataHeader)
	md, err := parseUploadMetadata(meta)
	if err != nil {
		return res, err
	}
	done, err := admit()
	if err != nil {
		return res, err
	}
	defer done()
	key, now, err := u.svc.newKey()
	if err != nil {
		return res, err
	}
	id, err := u.svc.ids.NewID()
	if err != nil {
		return res, &Error{Code: EInternal, Message: "Internal error: the upload was not created", Err: fmt.Errorf("new id: %w", err)}
	}
	hash, _ := sha256.New().(interface{ MarshalBinary() ([]byte, error) }).MarshalBinary()
	st := &uploadState{
		Version: 1, Client: client, Owner: owner, Length: length, Key: key,
		ContentType: md.contentType, Filename: md.filename, Metadata: meta,
		Created: now, Expires: now.Add(u.cfg.TTL), Hash: hash,
	}
	st.Progress, err = u.store.BeginUpload(ctx, ports.UploadObject{Key: key, ContentType: st.ContentType, Client: client, Filename: st.Filename})
	if err != nil {
		return res, creationError(err)
	}
	obj, err := st.object(id)
	if err != nil {
		return res, err
	}
	if err := u.svc.writePayload(ctx, obj, false); err != nil {
		return res, creationError(err)
	}
	res = st.result(id, res)
	if length == 0 { // complete at once
		res.Finishing = true
		if st, err = u.load(ctx, owner, id); err == nil {
			err = u.finish(ctx, id, st)
		}
		if err != nil {
			return res, err
		}
		res = st.result(id, res)
	}
	return res, nil
}

// creationError is the error of a creation whose storage failed.
func creationError(err error) error {
	if errors.Is(err, errMaybeStored) || errors.Is(err, ports.ErrUnknown) {
		return &Error{Code: EStorageUnknown, Err: err,
			Message: "The upload may or may not have been created: storage gave no definite answer. Create it again: an upload created but never used expires unseen"}
	}
	return &Error{Code: EStorage, Err: err, Message: "The upload was not created: storage is unavailable. Please retry later"}
}

// object returns st as the record to write for upload id.
func (st *uploadState) object(id string) (ports.Object, error) {
	data, err := json.Marshal(st)
	if err != nil {
		return ports.Object{}, &Error{Code: EInternal, Message: "Internal error", Err: err}
	}
	return ports.Object{Key: UploadPrefix + id, Data: data, ContentType: "application/json", Client: st.Client, SHA256: sha256.Sum256(data)}, nil
}

// load reads the state of upload id for owner (uploadOwner): an id of another form, no
// record, another client's, a terminated one, or one expired unfinished is EUploadNotFound (the same answer:
// a client learns nothing of others' uploads).
func (u *Uploads) load(ctx context.Context, owner, id string) (*uploadState, error) {
	notFound := Errorf(EUploadNotFound, "No such upload: it does not exist, it expired or was terminated, or it is another client's")
	if !uploadID.MatchString(id) {
		return nil, notFound
	}
	obj, err := u.svc.store.Get(ctx, UploadPrefix+id)
	switch {
	case errors.Is(err, ports.ErrNotFound):
		return nil, notFound
	case err != nil:
		return nil, &Error{Code: EStorage, Err: err, Message: "The upload's state could not be read: storage is unavailable. Please retry later"}
	}
	st := &uploadState{}
	if err := json.Unmarshal(obj.Data, st); err != nil || st.Version != 1 {
		return nil, &Error{Code: EInternal, Message: "Internal error: the upload's state is unreadable", Err: fmt.Errorf("upload %s: state: %v", id, err)}
	}
	st.etag = obj.ETag
	if st.Owner != owner || st.Terminated || !st.Done && !u.svc.clock.Now().Before(st.Expires) {
		return nil, notFound
	}
	return st, nil
}

// save replaces the state of upload id, if it is still the version st was read at (or last
// saved as), and keeps the new version in st: as the store says it (ports.ETagReplacer), or
// read back.
func (u *Uploads) save(ctx context.Context, id string, st *uploadState) error {
	obj, err := st.object(id)
	if err != nil {
		return err
	}
	if r, ok := u.svc.store.(ports.ETagReplacer); ok {
		etag, err := r.ReplaceETag(ctx, obj, st.etag)
		if err != nil {
			return err
		}
		st.etag = etag
		return nil
	}
	if err := u.svc.store.Replace(ctx, obj, st.etag); err != nil {
		return err
	}
	got, err := u.svc.store.Get(ctx, obj.Key)
	if err != nil {
		return fmt.Errorf("%w: the state's new version could not be read: %w", ports.ErrUnknown, err)
	}
	if string(got.Data) != string(obj.Data) {
		return fmt.Errorf("state of upload %s: %w", id, ports.ErrVersion)
	}
	st.etag = got.ETag
	return nil
}

// head returns an upload's offset; a whole upload whose completion is not yet confirmed is
// completed first (completion is create-only on a key only it writes, so this is safe to
// repeat).
func (u *Uploads) head(ctx context.Context, owner, id string, res ports.UploadResult) (ports.UploadResult, error) {
	st, err := u.load(ctx, owner, id)
	if err != nil {
		return res, err
	}
	if st.Offset == st.Length && !st.Done {
		res.Finishing = true
		if err := u.finish(ctx, id, st); err != nil {
			return res, err
		}
	}
	return st.result(id, res), nil
}

// terminate ends an unfinished upload and frees its bytes. A finished one is a drop, and stays;
// so does a whole one, whose completion may have stored it.
func (u *Uploads) terminate(ctx context.Context, owner, id string, res ports.UploadResult) (ports.UploadResult, error) {
	st, err := u.load(ctx, owner, id)
	if err != nil {
		return res, err
	}
	res = st.result(id, res)
	switch {
	case st.Done:
		return res, Errorf(EUploadComplete, "The upload is complete: it is stored as a drop, which is not removed")
	case st.Offset == st.Length:
		// Its completion may have stored it already (an answer lost, a 500 after the write):
		// terminated, it would be a drop that a 204 said was not.
		return res, Errorf(EUploadComplete, "The upload is whole: it is stored as a drop, or will be on the next HEAD, and is not removed")
	case st.locked(u.svc.clock.Now()):
		return res, lockedError()
	}
	st.Terminated = true
	if err := u.save(ctx, id, st); err != nil {
		return res, stateError(err)
	}
	// The upload is terminated whatever the abort says: bytes it left expire with the store's
	// lifecycle.
	_ = u.store.AbortUpload(ctx, st.Progress)
	return res, nil
}

func (st *uploadState) locked(now time.Time) bool { return st.Lock != "" && now.Before(st.LockedUntil) }

func lockedError() error {
	return Errorf(EUploadLocked, "Another request of this upload is in progress: retry once it ends")
}

// stateError is the error of a write of an upload's state that failed.
func stateError(err error) error {
	switch {
	case errors.Is(err, ports.ErrUnknown): // a 412 after an attempt whose answer was lost too: that attempt may be the version found
		return &Error{Code: EStorageUnknown, Err: err, Message: "Storage gave no definite answer: ask the upload's offset with HEAD, and resume from it"}
	case errors.Is(err, ports.ErrVersion) || errors.Is(err, ports.ErrConcurrent):
		return lockedError()
	case errors.Is(err, ports.ErrNotFound):
		return Errorf(EUploadNotFound, "No such upload: it does not exist, it expired or was terminated, or it is another client's")
	}
	return &Error{Code: EStorage, Err: err, Message: "Storage is unavailable: ask the upload's offset with HEAD later, and resume from it"}
}

// newLock returns a fresh lock holder's name.
func newLock() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// uploadLength parses Upload-Length: required (creation-defer-length is not offered), a
// non-negative decimal integer, at most the limit.
func (u *Uploads) uploadLength(h ports.Header) (int64, error) {
	v, ok := h.Get(UploadLengthHeader)
	if !ok {
		return 0, Errorf(EBadUpload, "The Upload-Length header must be present: the upload's size in bytes")
	}
	n, err := parseCount(v)
	if err != nil {
		return 0, Errorf(EBadUpload, "The Upload-Length header must be a non-negative decimal integer")
	}
	if n > u.cfg.MaxBytes {
		return 0, Errorf(ETooLarge, "The upload must be at most %d bytes (Upload-Length)", u.cfg.MaxBytes)
	}
	return n, nil
}

// parseCount parses a non-negative decimal integer; one too large for an int64 is the
// largest int64 (over any limit).
func parseCount(v string) (int64, error) {
	v = strings.TrimSpace(v)
	if v == "" || strings.TrimLeft(v, "0123456789") != "" {
		return 0, errors.New("not a non-negative decimal integer")
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 1<<63 - 1, nil
	}
	return n, nil
}
