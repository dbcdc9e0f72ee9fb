// Package funcurl is the inbound adapter for AWS Lambda Function URLs: it turns a payload
// format 2.0 event into a drop and the drop's outcome into a Function URL response.
package funcurl

import (
	"context"
	"encoding/base64"
	"log/slog"
	"net/url"
	"strings"
	"time"
	"unsafe"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// Request is a Function URL event as this adapter reads it: the SDK's event, with Body a
// pointer so that an event without a body (400) is told from one with an empty body (stored).
type Request struct {
	events.LambdaFunctionURLRequest
	Body *string `json:"body,omitempty"`
}

// DefaultReserve is how long before the invocation's deadline storage is given up, so that
// the function still answers with a clear 503 instead of being stopped by Lambda.
const DefaultReserve = 500 * time.Millisecond

// Handler serves Function URL invocations.
type Handler struct {
	dropper  ports.Dropper
	rec      httpface.Recorder
	reserve  time.Duration
	dropPath string // "": every path
}

// Option sets an option of a Handler.
type Option func(*Handler)

// WithDropPath serves drops on path alone, matched exactly against the event's decoded path:
// every other path is answered 404 (domain.ENotFound) before any header or body is read.
// Without it, every path is the drop path, as in the original (CloudFront routes one path).
func WithDropPath(path string) Option { return func(h *Handler) { h.dropPath = path } }

// New returns a handler that hands drops to d and records each with rec.
func New(d ports.Dropper, rec httpface.Recorder, opts ...Option) *Handler {
	h := &Handler{dropper: d, rec: rec, reserve: DefaultReserve}
	for _, o := range opts {
		o(h)
	}
	return h
}

// Handle serves one invocation. It always answers with a response, never an error, so that a
// client sees the status and message of the contract rather than a Function URL 502.
func (h *Handler) Handle(ctx context.Context, req Request) (events.LambdaFunctionURLResponse, error) {
	start := time.Now()
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-h.reserve))
		defer cancel()
	}
	path, decodeErr := url.PathUnescape(req.RawPath)
	if decodeErr != nil {
		path = req.RawPath
	}
	var res ports.DropResult
	var err error
	if h.dropPath != "" && (decodeErr != nil || path != h.dropPath) {
		err = httpface.NotFound(h.dropPath)
	} else {
		dr := ports.DropRequest{
			Method: req.RequestContext.HTTP.Method,
			Header: headers(req.Headers),
		}
		if req.Body != nil {
			dr.Body = eventBody{s: *req.Body, base64: req.IsBase64Encoded}
		}
		res, err = h.dropper.Drop(ctx, dr)
	}

	requestID := req.RequestContext.RequestID
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		requestID = lc.AwsRequestID
	}
	h.rec.Record(ctx, requestID, res, err, time.Since(start), slog.String("path", httpface.LogPath(path)))

	reply := httpface.ReplyTo(res, err)
	return events.LambdaFunctionURLResponse{StatusCode: reply.Status, Headers: reply.Header, Body: reply.Body}, nil
}

// headers are a Function URL event's headers. Lambda sends their names in lower case; other
// callers (test events, the emulator) may not, so a lookup falls back to a case-insensitive scan.
type headers map[string]string

func (h headers) Get(name string) (string, bool) {
	if v, ok := h[strings.ToLower(name)]; ok {
		return v, true
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// eventBody is an event's body: text, or standard base64 when the event says so.
type eventBody struct {
	s      string
	base64 bool
}

func (b eventBody) Read(max int) ([]byte, error) {
	if !b.base64 {
		// The payload is only read (ports.Body): share the event's memory rather than copy
		// it, which saves a copy of up to 6 MiB per drop (BenchmarkHandle).
		s := b.s[:min(len(b.s), max+1)]
		return unsafe.Slice(unsafe.StringData(s), len(s)), nil
	}
	// The decoder skips line breaks (MIME-style base64 has one every 76 characters): drop
	// them first, so that the cut below counts only the text that decodes, and no payload is
	// ever decoded short.
	text := b.s
	if strings.ContainsAny(text, "\r\n") {
		text = lineBreaks.Replace(text)
	}
	// Decode no more than the text of max+1 bytes: enough to see that a payload is too large
	// without decoding all of a large one.
	if n := base64.StdEncoding.EncodedLen(max + 1); len(text) > n {
		text = text[:n]
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	n, err := base64.StdEncoding.Strict().Decode(out, []byte(text))
	if err != nil {
		return nil, &domain.Error{Code: domain.EBadBase64, Message: "The request body is marked as base64 but is not valid standard base64", Err: err}
	}
	return out[:n], nil
}

var lineBreaks = strings.NewReplacer("\r", "", "\n", "")
