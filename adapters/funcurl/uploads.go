package funcurl

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// MaxUploadChunk is the largest PATCH body a partner should send through a Function URL:
// its 6 MB limit holds the whole event, in which a binary body arrives base64-encoded (4/3 of
// its size), with the headers and the request context beside it. 4 MiB leaves room.
const MaxUploadChunk = 4 << 20

// uploads serves the tus routes; nil: none.
type uploads struct {
	u    ports.Uploader
	face httpface.UploadFace
}

// ServeUploads makes h serve resumable uploads (tus 1.0.0) on httpface.UploadsPath through u.
func (h *Handler) ServeUploads(u ports.Uploader, face httpface.UploadFace) {
	h.uploads = &uploads{u: u, face: face}
}

// handleUpload serves one request of the uploads' routes.
func (h *Handler) handleUpload(ctx context.Context, req Request, id string, start time.Time) events.LambdaFunctionURLResponse {
	hd := headers(req.Headers)
	get := func(name string) string { v, _ := hd.Get(name); return v }
	method := req.RequestContext.HTTP.Method
	common, reply, early := h.uploads.face.Early(method, get)
	if !early {
		ur := ports.UploadRequest{Method: method, ID: id, Header: hd}
		if method == "PATCH" {
			ur.Body = uploadBody(req)
		}
		res, err := h.uploads.u.Upload(ctx, ur)
		requestID := req.RequestContext.RequestID
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			requestID = lc.AwsRequestID
		}
		h.rec.RecordUpload(ctx, requestID, method, res, err, time.Since(start), slog.String("path", httpface.LogPath(req.RawPath)), slog.String("method", method))
		reply = h.uploads.face.UploadReply(method, req.RawPath, res, err)
	}
	for k, v := range common {
		reply.Header[k] = v
	}
	return events.LambdaFunctionURLResponse{StatusCode: reply.Status, Headers: reply.Header, Body: reply.Body}
}

// uploadBody returns a PATCH event's body as a reader: its text, or its bytes decoded from
// standard base64 (a body that is not is an EBadBase64 error at the first read, and nothing of
// it is kept).
func uploadBody(req Request) io.Reader {
	if req.Body == nil {
		return strings.NewReader("")
	}
	if !req.IsBase64Encoded {
		return strings.NewReader(*req.Body)
	}
	text := *req.Body
	if strings.ContainsAny(text, "\r\n") {
		text = lineBreaks.Replace(text)
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	n, err := base64.StdEncoding.Strict().Decode(out, []byte(text))
	if err != nil {
		return errReader{&domain.Error{Code: domain.EBadBase64, Message: "The request body is marked as base64 but is not valid standard base64", Err: err}}
	}
	return bytes.NewReader(out[:n])
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
