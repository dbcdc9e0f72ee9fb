package httpserver

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// UploadsPath is the URL path of the uploads (tus 1.0.0): POST to it creates one, at
// UploadsPath/<id>.
const UploadsPath = "/v1/uploads"

// UploadOptions configure the uploads' routes.
type UploadOptions struct {
	MaxBytes int64 // Tus-Max-Size
	PartSize int   // the bytes of a PATCH's body held at once (the upload store's part size)
	// PublicURL, when set, is put before the path in Location (such as
	// https://dropbox.example.com); unset, Location is a path, which a client resolves
	// against the URL it sent to (through CloudFront, CloudFront's).
	PublicURL string
	// AllowedOrigins are the browser origins answered with CORS headers ("*": every one);
	// none: no CORS.
	AllowedOrigins []string
}

// uploadRoutes serves the tus routes.
type uploadRoutes struct {
	u    ports.Uploader
	opts UploadOptions
}

// WithUploads serves resumable uploads (tus 1.0.0) on UploadsPath through u.
func WithUploads(u ports.Uploader, opts UploadOptions) Option {
	return func(h *Handler) { h.uploads = &uploadRoutes{u: u, opts: opts} }
}

// uploadID returns the upload id of path, "" for UploadsPath itself (with or without a
// trailing slash), and whether path is an uploads' path at all.
func uploadID(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, UploadsPath)
	switch {
	case !ok:
		return "", false
	case rest == "" || rest == "/":
		return "", true
	case rest[0] != '/':
		return "", false
	}
	return rest[1:], true
}

// TusVersion is the protocol version served.
const TusVersion = "1.0.0"

// tusExtensions are the extensions offered (Tus-Extension).
const tusExtensions = "creation,termination,expiration,checksum"

// corsExposed are the headers a browser's script may read of an answer.
const corsExposed = "Location, Upload-Offset, Upload-Length, Upload-Metadata, Upload-Expires, Tus-Resumable, Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm, Retry-After, X-Request-Id"

// corsAllowed are the headers a browser may send.
const corsAllowed = "Authorization, Content-Type, Tus-Resumable, Upload-Length, Upload-Metadata, Upload-Offset, Upload-Checksum, X-Requested-With"

// cors sets the CORS headers of an answer to origin, if it is allowed; preflight adds the
// preflight's. It returns whether origin is allowed.
func (ur *uploadRoutes) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || len(ur.opts.AllowedOrigins) == 0 {
		return false
	}
	allowed := false
	for _, o := range ur.opts.AllowedOrigins {
		allowed = allowed || o == "*" || o == origin
	}
	w.Header().Add("Vary", "Origin")
	if !allowed {
		return false
	}
	w.Header().Set("Access-Control-Allow-Origin", origin)
	w.Header().Set("Access-Control-Expose-Headers", corsExposed)
	return true
}

// serveUpload serves one request of the uploads' routes.
func (h *Handler) serveUpload(w http.ResponseWriter, r *http.Request, id string) {
	ur := h.uploads
	start := time.Now()
	done := h.rec.Begin()
	defer done()
	reqID := requestID()
	hd := w.Header()
	hd.Set("X-Request-Id", reqID)
	hd.Set("Tus-Resumable", TusVersion)
	hd.Set("Cache-Control", "no-store")
	allowed := ur.cors(w, r)

	if r.Method == http.MethodOptions {
		// Discovery and CORS preflights: no token (a browser sends none in a preflight).
		if allowed && r.Header.Get("Access-Control-Request-Method") != "" {
			hd.Set("Access-Control-Allow-Methods", "POST, HEAD, PATCH, DELETE, OPTIONS")
			hd.Set("Access-Control-Allow-Headers", corsAllowed)
			hd.Set("Access-Control-Max-Age", "86400")
		}
		hd.Set("Tus-Version", TusVersion)
		hd.Set("Tus-Extension", tusExtensions)
		hd.Set("Tus-Max-Size", strconv.FormatInt(ur.opts.MaxBytes, 10))
		hd.Set("Tus-Checksum-Algorithm", "sha1,sha256")
		hd.Set("Content-Length", "0")
		w.WriteHeader(http.StatusNoContent)
		newBody(w, r, nil).discard()
		return
	}
	if v := r.Header.Get("Tus-Resumable"); v != TusVersion {
		hd.Set("Tus-Version", TusVersion)
		h.uploadReply(w, r, http.StatusPreconditionFailed, "The Tus-Resumable header must be 1.0.0, the protocol version served")
		newBody(w, r, nil).discard()
		return
	}

	// A client that leaves does not cancel the request: the bytes that arrived whole are kept.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), ReadTimeout+StoreTimeout)
	defer cancel()
	req := ports.UploadRequest{Method: r.Method, ID: id, Header: header(r.Header)}
	var sb *streamBody
	if r.Method == http.MethodPatch {
		sb = newStreamBody(w, r, &h.inflight, ur.opts.PartSize)
		defer sb.release()
		if !sb.reserve() {
			err := domain.Errorf(httpface.EBusy, "The server holds too many payloads at the moment: nothing of this PATCH was kept. Please retry later")
			h.rec.Record(ctx, reqID, ports.DropResult{}, err, time.Since(start))
			h.uploadError(w, r, err)
			sb.discard()
			return
		}
		req.Body = sb
	}
	res, err := ur.u.Upload(ctx, req)
	h.rec.Record(ctx, reqID, ports.DropResult{Key: res.Key, Size: int(res.Read), Client: res.Client, StoreTried: res.Read > 0 || res.Done}, err, time.Since(start))
	if res.ID != "" && !res.Done && !res.Expires.IsZero() {
		hd.Set("Upload-Expires", res.Expires.UTC().Format(http.TimeFormat))
	}
	if err != nil {
		if res.ID != "" && domain.ErrorCode(err) != domain.EUploadNotFound {
			hd.Set("Upload-Offset", strconv.FormatInt(res.Offset, 10))
		}
		h.uploadError(w, r, err)
	} else {
		switch r.Method {
		case http.MethodPost:
			hd.Set("Location", ur.opts.PublicURL+UploadsPath+"/"+res.ID)
			h.uploadReply(w, r, http.StatusCreated, "")
		case http.MethodHead:
			hd.Set("Upload-Offset", strconv.FormatInt(res.Offset, 10))
			hd.Set("Upload-Length", strconv.FormatInt(res.Length, 10))
			if res.Metadata != "" {
				hd.Set("Upload-Metadata", res.Metadata)
			}
			hd.Set("Content-Length", "0")
			w.WriteHeader(http.StatusOK)
		case http.MethodPatch:
			hd.Set("Upload-Offset", strconv.FormatInt(res.Offset, 10))
			h.uploadReply(w, r, http.StatusNoContent, "")
		default:
			h.uploadReply(w, r, http.StatusNoContent, "")
		}
	}
	if sb == nil || !sb.started {
		newBody(w, r, nil).discard()
	}
}

// uploadError answers err, as a drop's refusal is answered: its status, the core's message.
func (h *Handler) uploadError(w http.ResponseWriter, r *http.Request, err error) {
	reply := httpface.ReplyTo(ports.DropResult{}, err)
	for k, v := range reply.Header {
		w.Header().Set(k, v)
	}
	if reply.Status == http.StatusMethodNotAllowed {
		if id, _ := uploadID(r.URL.Path); id == "" {
			w.Header().Set("Allow", "POST, OPTIONS")
		} else {
			w.Header().Set("Allow", "HEAD, PATCH, DELETE, OPTIONS")
		}
	}
	h.uploadReply(w, r, reply.Status, reply.Body)
}

// uploadReply writes an answer with a text body (none to HEAD); a request whose body was not
// read whole closes its connection after it.
func (h *Handler) uploadReply(w http.ResponseWriter, r *http.Request, status int, body string) {
	if body != "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	if r.Method == http.MethodHead {
		body = ""
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if status >= 400 && r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
	}
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// streamBody is a PATCH's body, read as it arrives at the body's pace, within the server's
// budget of bytes in flight (a part, reserved for the whole request), its failures said as a
// drop's are.
type streamBody struct {
	*body
	src  io.Reader
	part int64
}

func newStreamBody(w http.ResponseWriter, r *http.Request, budget *bytesInFlight, part int) *streamBody {
	return &streamBody{body: newBody(w, r, budget), part: int64(part)}
}

// reserve takes a part's worth of the budget (less for a shorter body).
func (s *streamBody) reserve() bool {
	n := s.part
	if cl := s.r.ContentLength; cl >= 0 && cl < n {
		n = cl + 1
	}
	if !s.budget.reserve(n) {
		return false
	}
	s.reserved = n
	return true
}

func (s *streamBody) Read(p []byte) (int, error) {
	if !s.started {
		s.started = true
		now, end := time.Now(), s.start.Add(ReadTimeout)
		length := s.r.ContentLength
		if length < 0 {
			length = 0
		}
		s.src = &paced{r: s.r.Body, rc: s.rc, start: now, end: end, rate: paceFor(length, now, end)}
	}
	if s.conn != nil {
		s.conn.enter(phaseBody)
	}
	n, err := s.src.Read(p)
	if s.conn != nil {
		s.conn.enter(phaseWork)
	}
	switch {
	case err == io.EOF:
		s.whole = true
		s.rc.SetReadDeadline(time.Time{})
		return n, io.EOF
	case err != nil:
		return n, s.readError(err)
	}
	return n, nil
}
