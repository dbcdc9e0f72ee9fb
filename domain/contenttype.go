package domain

import (
	"mime"
	"strings"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// DefaultContentType is an object's content type when the request gives none, or one that is
// not a media type.
const DefaultContentType = "application/octet-stream"

// MaxContentTypeBytes bounds a drop's Content-Type, as sent and as kept: every store keeps
// that much whole and returns it from Get (the filesystem store as an extended attribute, S3
// as the object's Content-Type). RFC 6838 bounds a media type's two names at 127 characters
// each; parameters such as a charset or a multipart boundary fit in the rest.
const MaxContentTypeBytes = 256

// mediaType returns the content type to keep for the request (contentType), or EBadContentType
// when the header, or its normalized form, is longer than MaxContentTypeBytes.
func mediaType(h ports.Header) (string, error) {
	v, ok := h.Get("content-type")
	if len(v) > MaxContentTypeBytes {
		return "", contentTypeTooLong()
	}
	ct := contentType(v, ok)
	if len(ct) > MaxContentTypeBytes { // quoting and RFC 2231 encoding lengthen it
		return "", contentTypeTooLong()
	}
	return ct, nil
}

func contentTypeTooLong() error {
	return Errorf(EBadContentType, "The Content-Type header must be at most %d bytes", MaxContentTypeBytes)
}

// contentType returns the request's Content-Type v (ok: the header is present) if it is a
// valid media type (RFC 9110), normalized as mime formats it (visible ASCII), and
// DefaultContentType otherwise: a malformed one is not a reason to refuse a drop (docs/api.md
// says why).
func contentType(v string, ok bool) string {
	if !ok {
		return DefaultContentType
	}
	if simpleMediaType(v) { // the common case, without ParseMediaType's allocations
		return strings.ToLower(v)
	}
	mt, params, err := mime.ParseMediaType(v)
	if err != nil || !strings.Contains(mt, "/") {
		return DefaultContentType
	}
	if f := mime.FormatMediaType(mt, params); f != "" {
		return f
	}
	return DefaultContentType
}

// simpleMediaType reports whether v is type/subtype with no parameters, both RFC 9110 tokens.
func simpleMediaType(v string) bool {
	typ, sub, ok := strings.Cut(v, "/")
	return ok && isToken(typ) && isToken(sub)
}

// isToken reports whether s is an RFC 9110 token: 1 or more of letters, digits and
// !#$%&'*+-.^_`|~.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}
