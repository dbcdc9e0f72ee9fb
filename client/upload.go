package client

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/s3-dropbox/s3-dropbox/contract"
)

// DefaultChunkSize is the bytes an upload sends per request: 4 MiB, within a Function URL's
// 6 MB event once base64-encoded (docs/uploads.md).
const DefaultChunkSize = 4 << 20

// UploadsURL returns the uploads' URL (tus 1.0.0) beside a drop URL, by the service's
// convention: the drop URL's last path segment replaced by "uploads"
// (https://host/v1/drop → https://host/v1/uploads).
func UploadsURL(dropURL string) (string, error) {
	u, err := url.Parse(dropURL)
	if err != nil {
		return "", err
	}
	dir := strings.TrimSuffix(u.Path, "/")
	if i := strings.LastIndexByte(dir, '/'); i >= 0 {
		dir = dir[:i]
	}
	u.Path, u.RawQuery, u.Fragment = dir+"/uploads", "", ""
	return u.String(), nil
}

// Offer is what a service says of its uploads (OPTIONS on the uploads' URL).
type Offer struct {
	URL      string // the uploads' URL
	MaxBytes int64  // Tus-Max-Size: the largest upload
	// Checksum is the Upload-Checksum algorithm each chunk is sent with: crc32c when the
	// service offers it (Tus-Checksum-Algorithm), else sha256 (also for any other value, the
	// empty one of an Offer made by hand included).
	Checksum string
}

// checksum returns the Upload-Checksum algorithm the chunks are sent with: crc32c, or sha256.
func (o Offer) checksum() string {
	if o.Checksum == "crc32c" {
		return "crc32c"
	}
	return "sha256"
}

// ErrNoUploads is Uploads' answer when the service offers no uploads.
var ErrNoUploads = errors.New("the service offers no uploads (tus 1.0.0) beside its drop URL")

// Uploads asks the service whether it offers uploads beside the drop URL (OPTIONS, which
// needs no token): the answer has Tus-Version 1.0.0 and a Tus-Max-Size. Otherwise
// ErrNoUploads.
func (c *Client) Uploads(ctx context.Context) (Offer, error) {
	u, err := UploadsURL(c.url)
	if err != nil {
		return Offer{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodOptions, u, nil)
	if err != nil {
		return Offer{}, err
	}
	c.setHeaders(req)
	resp, err := c.do(req)
	if err != nil {
		return Offer{}, c.scrub(err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 || !strings.Contains(resp.Header.Get("Tus-Version"), "1.0.0") {
		return Offer{}, ErrNoUploads
	}
	max, err := strconv.ParseInt(resp.Header.Get("Tus-Max-Size"), 10, 64)
	if err != nil || max <= 0 {
		return Offer{}, ErrNoUploads
	}
	o := Offer{URL: u, MaxBytes: max, Checksum: "sha256"}
	for _, alg := range strings.Split(resp.Header.Get("Tus-Checksum-Algorithm"), ",") {
		if strings.TrimSpace(alg) == "crc32c" {
			o.Checksum = "crc32c"
		}
	}
	return o, nil
}

// do sends req without following redirects.
func (c *Client) do(req *http.Request) (*http.Response, error) {
	hc := *c.cfg.httpClient
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return hc.Do(req)
}

// setHeaders sets the extra headers (WithHeader) and Tus-Resumable.
func (c *Client) setHeaders(req *http.Request) {
	for k, v := range c.cfg.header {
		req.Header[k] = v
	}
	req.Header.Set("Tus-Resumable", "1.0.0")
}

// upload is what UploadOptions set.
type upload struct {
	contentType string
	filename    string
	chunkSize   int
	statePath   string
	progress    func(sent, total int64)
}

// UploadOption describes one upload.
type UploadOption func(*upload)

// WithUploadContentType sets the object's media type (filetype).
func WithUploadContentType(t string) UploadOption { return func(u *upload) { u.contentType = t } }

// WithFilename sets the file name kept with the object (filename).
func WithFilename(name string) UploadOption { return func(u *upload) { u.filename = name } }

// WithChunkSize sets the bytes sent per request (DefaultChunkSize).
func WithChunkSize(n int) UploadOption { return func(u *upload) { u.chunkSize = n } }

// WithStateFile keeps the upload's URL in the file path, so that a later call for the same
// bytes (after a crash, or a re-run) resumes it, or finds it stored. It is removed only by
// whoever made it; it holds no secret.
func WithStateFile(path string) UploadOption { return func(u *upload) { u.statePath = path } }

// WithProgress calls f after each chunk the service kept, with the bytes kept and the total.
func WithProgress(f func(sent, total int64)) UploadOption { return func(u *upload) { u.progress = f } }

// UploadReceipt tells how an upload was stored.
type UploadReceipt struct {
	URL      string // the upload's URL
	Resumed  int64  // the bytes already kept when this call began (from an earlier call)
	Replayed bool   // an earlier call had stored it whole already
	Requests int
}

// uploadState is the state file's content.
type uploadState struct {
	URL    string `json:"url"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	Done   bool   `json:"done,omitempty"`
}

// Upload sends size bytes of r to the uploads' URL of offer as one upload, in chunks, each
// with its checksum (Upload-Checksum, offer.Checksum; the next chunk's computed while one is
// sent); a chunk whose answer is lost is resumed from the offset
// the service says (HEAD), with the same backoff as Send, within the deadline per chunk. With
// WithStateFile, a call for the same bytes resumes the upload an earlier call left, or says
// Replayed when it was stored whole: the bytes are stored once.
func (c *Client) Upload(ctx context.Context, offer Offer, r io.ReaderAt, size int64, opts ...UploadOption) (UploadReceipt, error) {
	o := upload{chunkSize: DefaultChunkSize}
	for _, f := range opts {
		f(&o)
	}
	var rec UploadReceipt
	if size > offer.MaxBytes {
		return rec, &Error{Outcome: contract.Refused, Message: fmt.Sprintf("the file is %d bytes, over the service's upload limit of %d: not sent", size, offer.MaxBytes)}
	}
	if o.chunkSize < 1 {
		return rec, &Error{Outcome: contract.Refused, Message: "the chunk size must be above 0"}
	}
	st, err := loadState(o.statePath, r, size)
	if err != nil {
		return rec, err
	}
	if st.Done {
		return UploadReceipt{URL: st.URL, Resumed: size, Replayed: true}, nil
	}
	offset, err := c.begin(ctx, offer, &st, o, &rec)
	if err != nil {
		return rec, err
	}
	rec.URL = st.URL
	if err := c.sendChunks(ctx, st.URL, r, offset, size, offer.checksum(), o, &rec); err != nil {
		return rec, err
	}
	st.Done = true
	if err := saveState(o.statePath, st); err != nil {
		return rec, err
	}
	return rec, nil
}

// loadState returns the upload's state: that of the state file at path when it is of the same
// size bytes of r (their SHA-256, read once more), else a new one (no file: a new one, unnamed).
func loadState(path string, r io.ReaderAt, size int64) (uploadState, error) {
	st := uploadState{Size: size}
	if path == "" {
		return st, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(r, 0, size)); err != nil {
		return st, &Error{Outcome: contract.Refused, Message: "the file could not be read: " + err.Error()}
	}
	sum := hex.EncodeToString(h.Sum(nil))
	st.SHA256 = sum
	if b, err := os.ReadFile(path); err == nil {
		var old uploadState
		if json.Unmarshal(b, &old) == nil && old.Size == size && old.SHA256 == sum && old.URL != "" {
			st = old
		}
	}
	return st, nil
}

// begin returns the offset to send from: the service's for the upload of st (HEAD), or 0 for a
// new upload it creates (when st has none, or the service no longer knows it), saved in st
// and its file.
func (c *Client) begin(ctx context.Context, offer Offer, st *uploadState, o upload, rec *UploadReceipt) (int64, error) {
	if st.URL != "" {
		off, status, err := c.head(ctx, st.URL)
		rec.Requests++
		switch {
		case err == nil:
			rec.Resumed = off
			return off, nil
		case status == http.StatusNotFound || status == http.StatusGone:
			st.URL = "" // expired, or another's: a new upload
		default:
			return 0, err
		}
	}
	u, err := c.create(ctx, offer.URL, st.Size, o)
	rec.Requests++
	if err != nil {
		return 0, err
	}
	st.URL = u
	return 0, saveState(o.statePath, *st)
}

// sendChunks sends size bytes of r to the upload at u from offset, a chunk at a time; after a
// failure it asks the offset again (HEAD) and retries, with the backoff of Send, up to the
// client's attempts in a row.
func (c *Client) sendChunks(ctx context.Context, u string, r io.ReaderAt, offset, size int64, alg string, o upload, rec *UploadReceipt) error {
	chunk := int64(o.chunkSize)
	var ahead *chunkSum // the next chunk's checksum, computed while this one is sent
	defer func() {
		if ahead != nil {
			ahead.wait() // nothing reads r once Upload returns
		}
	}()
	failures := 0
	for offset < size || size == 0 {
		n := min(chunk, size-offset)
		cur := ahead
		if cur == nil || cur.off != offset || cur.n != n {
			if cur != nil {
				cur.wait()
			}
			cur = sumAhead(r, offset, n, alg)
		}
		ahead = nil
		sum, err := cur.wait()
		if err != nil {
			return &Error{Outcome: contract.Unknown, Message: "the file could not be read: " + err.Error(), Attempts: rec.Requests}
		}
		if end := offset + n; end < size {
			ahead = sumAhead(r, end, min(chunk, size-end), alg)
		}
		next, status, err := c.patch(ctx, u, offset, io.NewSectionReader(r, offset, n), alg+" "+base64.StdEncoding.EncodeToString(sum))
		rec.Requests++
		if err == nil {
			offset, failures = next, 0
			if o.progress != nil {
				o.progress(offset, size)
			}
			if size == 0 {
				break
			}
			continue
		}
		if status >= 400 && status < 500 && status != http.StatusConflict && status != http.StatusLocked && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests {
			return err
		}
		failures++
		if failures >= c.cfg.attempts {
			return err
		}
		if werr := c.sleep(ctx, c.wait(failures, nil)); werr != nil {
			return &Error{Outcome: contract.Unknown, Message: fmt.Sprintf("interrupted at offset %d of %d: run again to resume", offset, size), Attempts: rec.Requests}
		}
		off, _, herr := c.head(ctx, u)
		rec.Requests++
		if herr == nil {
			offset = off
		}
	}
	return nil
}

// chunkSum is the checksum of the n bytes of a file at off, computed in the background.
type chunkSum struct {
	off, n int64
	done   chan struct{}
	sum    []byte
	err    error
}

// sumAhead starts computing the checksum alg (crc32c or sha256) of the n bytes of r at off.
func sumAhead(r io.ReaderAt, off, n int64, alg string) *chunkSum {
	cs := &chunkSum{off: off, n: n, done: make(chan struct{})}
	go func() {
		defer close(cs.done)
		var h hash.Hash = sha256.New()
		if alg == "crc32c" {
			h = crc32.New(crc32.MakeTable(crc32.Castagnoli))
		}
		var got int64
		got, cs.err = io.Copy(h, io.NewSectionReader(r, off, n))
		if cs.err == nil && got < n {
			cs.err = io.ErrUnexpectedEOF // the file is shorter than it was
		}
		cs.sum = h.Sum(nil)
	}()
	return cs
}

// wait returns the chunk's checksum once computed.
func (cs *chunkSum) wait() ([]byte, error) {
	<-cs.done
	return cs.sum, cs.err
}

// saveState writes the state file (no file: nothing), atomically.
func saveState(path string, st uploadState) error {
	if path == "" {
		return nil
	}
	b, _ := json.Marshal(st)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return &Error{Outcome: contract.Unknown, Message: "the state file: " + err.Error()}
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return &Error{Outcome: contract.Unknown, Message: "the state file: " + err.Error()}
	}
	if err := os.Rename(tmp, path); err != nil {
		return &Error{Outcome: contract.Unknown, Message: "the state file: " + err.Error()}
	}
	return nil
}

// request sends one request of an upload with the token, and returns its answer's status,
// headers and message.
func (c *Client) request(ctx context.Context, method, u string, hdr map[string]string, body *io.SectionReader) (int, http.Header, string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return 0, nil, "", err
	}
	if body != nil {
		// Sent from the file as it is read: no copy of the chunk in memory.
		req.Body, req.ContentLength = io.NopCloser(io.NewSectionReader(body, 0, body.Size())), body.Size()
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(io.NewSectionReader(body, 0, body.Size())), nil }
		if body.Size() == 0 {
			req.Body, req.GetBody = http.NoBody, func() (io.ReadCloser, error) { return http.NoBody, nil }
		}
	}
	c.setHeaders(req)
	req.Header.Set("Authorization", "Bearer "+c.token)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.do(req)
	if err != nil {
		return 0, nil, "", &Error{Outcome: contract.Unknown, Message: "no answer: " + c.scrub(err).Error(), Err: c.scrub(err)}
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	return resp.StatusCode, resp.Header, message(c.redact(msg), resp.StatusCode), nil
}

// resolve returns the upload URL a Location names, against the URL it answered.
func resolve(base, loc string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	l, err := url.Parse(loc)
	if err != nil {
		return "", err
	}
	r := b.ResolveReference(l)
	if r.Scheme != b.Scheme || r.Host != b.Host {
		return "", fmt.Errorf("the upload's Location %q is on another host: not followed (the token would go there)", loc)
	}
	return r.String(), nil
}

// create creates an upload and returns its URL.
func (c *Client) create(ctx context.Context, uploadsURL string, size int64, o upload) (string, error) {
	meta := []string{}
	if o.filename != "" {
		meta = append(meta, "filename "+base64.StdEncoding.EncodeToString([]byte(o.filename)))
	}
	if o.contentType != "" {
		meta = append(meta, "filetype "+base64.StdEncoding.EncodeToString([]byte(o.contentType)))
	}
	hdr := map[string]string{"Upload-Length": strconv.FormatInt(size, 10)}
	if len(meta) > 0 {
		hdr["Upload-Metadata"] = strings.Join(meta, ",")
	}
	for attempt := 1; ; attempt++ {
		status, h, msg, err := c.request(ctx, http.MethodPost, uploadsURL, hdr, nil)
		switch {
		case err == nil && status == http.StatusCreated:
			u, rerr := resolve(uploadsURL, h.Get("Location"))
			if rerr != nil {
				return "", &Error{Outcome: contract.Unknown, Status: status, Message: rerr.Error(), Attempts: attempt}
			}
			return u, nil
		case err == nil && !retryable(status):
			return "", &Error{Status: status, Message: msg, Outcome: refusedOr(status/100 == 4, contract.Unknown), Attempts: attempt}
		}
		if attempt >= c.cfg.attempts {
			if err != nil {
				return "", err
			}
			return "", &Error{Status: status, Message: msg, Attempts: attempt, Outcome: contract.NotStored}
		}
		if werr := c.sleep(ctx, c.wait(attempt, h)); werr != nil {
			return "", &Error{Message: "interrupted before the upload was created: nothing stored", Outcome: contract.NotStored, Attempts: attempt}
		}
	}
}

// head returns an upload's offset, and the status of a failure.
func (c *Client) head(ctx context.Context, u string) (int64, int, error) {
	status, h, msg, err := c.request(ctx, http.MethodHead, u, nil, nil)
	if err != nil {
		return 0, 0, err
	}
	if status != http.StatusOK {
		return 0, status, &Error{Outcome: contract.Unknown, Status: status, Message: msg}
	}
	off, perr := strconv.ParseInt(h.Get("Upload-Offset"), 10, 64)
	if perr != nil {
		return 0, status, &Error{Outcome: contract.Unknown, Status: status, Message: "the service's HEAD gave no Upload-Offset"}
	}
	return off, status, nil
}

// patch sends one chunk at offset with its Upload-Checksum, and returns the new offset.
func (c *Client) patch(ctx context.Context, u string, offset int64, chunk *io.SectionReader, checksum string) (int64, int, error) {
	status, h, msg, err := c.request(ctx, http.MethodPatch, u, map[string]string{
		"Content-Type":    "application/offset+octet-stream",
		"Upload-Offset":   strconv.FormatInt(offset, 10),
		"Upload-Checksum": checksum,
	}, chunk)
	if err != nil {
		return 0, 0, err
	}
	if status != http.StatusNoContent {
		return 0, status, &Error{Status: status, Message: msg, Outcome: refusedOr(status/100 == 4 && status != http.StatusConflict && status != http.StatusLocked, contract.Unknown)}
	}
	off, perr := strconv.ParseInt(h.Get("Upload-Offset"), 10, 64)
	if perr != nil || off <= offset && chunk.Size() > 0 {
		return 0, status, &Error{Outcome: contract.Unknown, Status: status, Message: "the service's PATCH answer gave no new Upload-Offset"}
	}
	return off, status, nil
}

// refusedOr returns contract.Refused if refused, else otherwise.
func refusedOr(refused bool, otherwise contract.Outcome) contract.Outcome {
	if refused {
		return contract.Refused
	}
	return otherwise
}
