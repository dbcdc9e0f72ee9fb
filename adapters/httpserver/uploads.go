package httpserver

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// UploadsPath is the URL path of the uploads (tus 1.0.0).
const UploadsPath = httpface.UploadsPath

// UploadOptions configure the uploads' routes: the protocol's face, and the bytes of a
// PATCH's body held at once (the upload store's part size).
type UploadOptions struct {
	httpface.UploadFace
	PartSize int
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

// uploadID returns the upload id of path, and whether it is an uploads' path.
func uploadID(path string) (string, bool) { return httpface.UploadID(path) }

// serveUpload serves one request of the uploads' routes.
func (h *Handler) serveUpload(w http.ResponseWriter, r *http.Request, id string) {
	ur := h.uploads
	start := time.Now()
	done := h.rec.Begin()
	defer done()
	reqID := requestID()
	w.Header().Set("X-Request-Id", reqID)
	common, reply, early := ur.opts.Early(r.Method, r.Header.Get)
	for k, v := range common {
		w.Header().Set(k, v)
	}
	if early {
		writeReply(w, r, reply)
		newBody(w, r, nil).discard()
		return
	}
	// A client that leaves does not cancel the request: the bytes that arrived whole are kept.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), ReadTimeout+StoreTimeout)
	defer cancel()
	req := ports.UploadRequest{Method: r.Method, ID: id, Header: header(r.Header)}
	var sb *streamBody
	switch r.Method {
	case http.MethodPatch:
		sb = newStreamBody(w, r, &h.inflight, ur.opts.PartSize)
		defer sb.release()
		req.Body = sb
		req.Admission = uploadAdmission{fair: &h.fair, body: sb.body, patch: sb}
	case http.MethodPost:
		req.Admission = uploadAdmission{fair: &h.fair, body: newBody(w, r, nil)}
	}
	res, err := ur.u.Upload(ctx, req)
	h.rec.RecordUpload(ctx, reqID, r.Method, res, err, time.Since(start), slog.String("path", httpface.LogPath(r.URL.Path)), slog.String("method", r.Method))
	writeReply(w, r, ur.opts.UploadReply(r.Method, r.URL.Path, res, err))
	if sb == nil || !sb.started {
		newBody(w, r, nil).discard()
	}
}

// writeReply writes an answer (no body to HEAD); a refused request with a body closes its
// connection after it.
func writeReply(w http.ResponseWriter, r *http.Request, reply httpface.Reply) {
	for k, v := range reply.Header {
		w.Header().Set(k, v)
	}
	body := reply.Body
	if r.Method == http.MethodHead {
		body = ""
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if reply.Status >= 400 && r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
	}
	w.WriteHeader(reply.Status)
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

// reserve takes what a PATCH holds at least of the budget, in its client's share: the core's
// buffer of a part (less for a shorter body) and the store's (the S3 store fills a part from
// the bytes that waited, or one part is written while the next is read). Refused, nothing of
// the PATCH is kept: 503 when the budget is spent, 429 when the client's share is.
func (s *streamBody) reserve() error {
	n := s.part
	if cl := s.r.ContentLength; cl >= 0 && cl < n {
		n = cl + 1
	}
	n += s.part
	switch s.budget.reserve(s.client, n) {
	case busy:
		return domain.Errorf(domain.EBusy, "The server holds too many payloads at the moment: nothing of this PATCH was kept. Please retry later")
	case overShare:
		return refuseTooMany(1, "This client's uploads and drops in flight hold its share of the server's memory: nothing of this PATCH was kept. Please retry after 1 s")
	}
	s.reserved = n
	return nil
}

// Borrow lends the PATCH a part more of the budget (ports.PartLender), if its client's share
// has room and the budget keeps room besides for another PATCH (lendKeep).
func (s *streamBody) Borrow() bool {
	return s.budget.lend(s.client, s.part, lendKeep*s.part)
}

// Return gives back a part that Borrow lent.
func (s *streamBody) Return() { s.budget.giveBack(s.client, s.part) }

// lendKeep is the parts the budget keeps free when it lends one: another PATCH's two.
const lendKeep = 2

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
