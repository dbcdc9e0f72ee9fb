package httpface

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// UploadsPath is the URL path of the uploads (tus 1.0.0): POST to it creates one, at
// UploadsPath/<id>.
const UploadsPath = "/v1/uploads"

// TusVersion is the protocol version served.
const TusVersion = "1.0.0"

// TusExtensions are the extensions offered (Tus-Extension).
const TusExtensions = "creation,termination,expiration,checksum"

// corsExposed are the headers a browser's script may read of an answer.
const corsExposed = "Location, Upload-Offset, Upload-Length, Upload-Metadata, Upload-Expires, Tus-Resumable, Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm, Retry-After, X-Request-Id"

// corsAllowed are the headers a browser may send.
const corsAllowed = "Authorization, Content-Type, Tus-Resumable, Upload-Length, Upload-Metadata, Upload-Offset, Upload-Checksum, X-Requested-With"

// UploadID returns the upload id of a URL path, "" for UploadsPath itself (with or without a
// trailing slash), and whether path is an uploads' path at all.
func UploadID(path string) (string, bool) {
	if len(path) < len(UploadsPath) || path[:len(UploadsPath)] != UploadsPath {
		return "", false
	}
	rest := path[len(UploadsPath):]
	switch {
	case rest == "" || rest == "/":
		return "", true
	case rest[0] != '/':
		return "", false
	}
	return rest[1:], true
}

// UploadFace is the tus protocol's HTTP face, the same for every inbound adapter: the
// headers, the answers that need no core, the statuses.
type UploadFace struct {
	MaxBytes int64 // Tus-Max-Size
	// PublicURL, when set, is put before the path in Location (such as
	// https://dropbox.example.com); unset, Location is a path, which a client resolves
	// against the URL it sent to (through CloudFront, CloudFront's).
	PublicURL string
	// AllowedOrigins are the browser origins answered with CORS headers ("*": every one),
	// matched whatever the case of their scheme and host; none: no CORS.
	AllowedOrigins []string
}

// Header looks up a request header by name.
type Header func(name string) string

// Early returns the headers every answer to the request carries (Tus-Resumable,
// Cache-Control, CORS for an allowed Origin), and the answer itself when the request needs no
// core: OPTIONS (discovery, and CORS preflights, without a token), or a Tus-Resumable other
// than 1.0.0 (412).
func (f *UploadFace) Early(method string, get Header) (common map[string]string, reply Reply, done bool) {
	common = map[string]string{"Tus-Resumable": TusVersion, "Cache-Control": "no-store"}
	allowed := false
	if origin := get("Origin"); origin != "" && len(f.AllowedOrigins) > 0 {
		common["Vary"] = "Origin"
		for _, o := range f.AllowedOrigins {
			allowed = allowed || o == "*" || sameOrigin(o, origin)
		}
		if allowed {
			common["Access-Control-Allow-Origin"] = origin
			common["Access-Control-Expose-Headers"] = corsExposed
		}
	}
	switch {
	case method == http.MethodOptions:
		reply = Reply{Status: http.StatusNoContent, Header: map[string]string{
			"Tus-Version":            TusVersion,
			"Tus-Extension":          TusExtensions,
			"Tus-Max-Size":           strconv.FormatInt(f.MaxBytes, 10),
			"Tus-Checksum-Algorithm": strings.Join(domain.UploadChecksumAlgorithms, ","),
		}}
		if allowed && get("Access-Control-Request-Method") != "" {
			reply.Header["Access-Control-Allow-Methods"] = "POST, HEAD, PATCH, DELETE, OPTIONS"
			reply.Header["Access-Control-Allow-Headers"] = corsAllowed
			reply.Header["Access-Control-Max-Age"] = "86400"
		}
		return common, reply, true
	case get("Tus-Resumable") != TusVersion:
		reply = Reply{Status: http.StatusPreconditionFailed, Body: "The Tus-Resumable header must be 1.0.0, the protocol version served",
			Header: map[string]string{"Tus-Version": TusVersion, "Content-Type": "text/plain; charset=utf-8"}}
		return common, reply, true
	}
	return common, Reply{}, false
}

// UploadReply returns the answer to an upload request that ended with res and err. A HEAD's
// answer has no body (the adapter sends none).
func (f *UploadFace) UploadReply(method, path string, res ports.UploadResult, err error) Reply {
	var r Reply
	if err != nil {
		r = ReplyTo(ports.DropResult{}, err)
		if r.Status == http.StatusMethodNotAllowed {
			if id, _ := UploadID(path); id == "" {
				r.Header["Allow"] = "POST, OPTIONS"
			} else {
				r.Header["Allow"] = "HEAD, PATCH, DELETE, OPTIONS"
			}
		}
		if res.ID != "" && domain.ErrorCode(err) != domain.EUploadNotFound {
			r.Header["Upload-Offset"] = strconv.FormatInt(res.Offset, 10)
		}
	} else {
		r = Reply{Status: http.StatusNoContent, Header: map[string]string{}}
		switch method {
		case http.MethodPost:
			r.Status = http.StatusCreated
			r.Header["Location"] = f.PublicURL + UploadsPath + "/" + res.ID
		case http.MethodHead:
			r.Status = http.StatusOK
			r.Header["Upload-Offset"] = strconv.FormatInt(res.Offset, 10)
			r.Header["Upload-Length"] = strconv.FormatInt(res.Length, 10)
			if res.Metadata != "" {
				r.Header["Upload-Metadata"] = res.Metadata
			}
		case http.MethodPatch:
			r.Header["Upload-Offset"] = strconv.FormatInt(res.Offset, 10)
		}
	}
	if res.ID != "" && !res.Done && !res.Expires.IsZero() {
		r.Header["Upload-Expires"] = res.Expires.UTC().Format(http.TimeFormat)
	}
	if method == http.MethodHead {
		r.Body = ""
	}
	return r
}
