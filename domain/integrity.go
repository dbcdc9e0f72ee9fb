package domain

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"mime"
	"strings"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// DefaultContentType is an object's content type when the request gives none, or one that is
// not a media type.
const DefaultContentType = "application/octet-stream"

// contentType returns the request's Content-Type if it is a valid media type (RFC 9110),
// normalized as mime formats it, and DefaultContentType otherwise: a malformed one is not a
// reason to refuse a drop (the README says why).
func contentType(h ports.Header) string {
	v, ok := h.Get("content-type")
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

// checkDigests verifies the digests a client may send of its body: Content-Digest with a
// sha-256 member (RFC 9530) and Content-MD5 (RFC 1864). A malformed header or a mismatch is
// EBadDigest, naming the header. Content-Digest members of other algorithms are ignored, as
// RFC 9530 allows.
func checkDigests(h ports.Header, data []byte, sum [sha256.Size]byte) error {
	if v, ok := h.Get("content-digest"); ok {
		want, found, err := contentDigestSHA256(v)
		if err != nil {
			return Errorf(EBadDigest, "The Content-Digest header must be a list such as sha-256=:<base64 of the SHA-256>:")
		}
		if found && !bytes.Equal(want, sum[:]) {
			return Errorf(EBadDigest, "The Content-Digest header's sha-256 does not match the request body: it was changed on the way, or the digest is of other bytes")
		}
	}
	if v, ok := h.Get("content-md5"); ok {
		want, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
		if err != nil || len(want) != md5.Size {
			return Errorf(EBadDigest, "The Content-MD5 header must be the base64 of the body's 16-byte MD5")
		}
		got := md5.Sum(data)
		if !bytes.Equal(want, got[:]) {
			return Errorf(EBadDigest, "The Content-MD5 header does not match the request body: it was changed on the way, or the digest is of other bytes")
		}
	}
	return nil
}

// contentDigestSHA256 parses an RFC 9530 Content-Digest (a structured-field dictionary of byte
// sequences) and returns the sha-256 member, if any.
func contentDigestSHA256(v string) (digest []byte, found bool, err error) {
	for _, member := range strings.Split(v, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(member), "=")
		if !ok || name == "" {
			return nil, false, errMalformed
		}
		if i := strings.IndexByte(value, ';'); i >= 0 { // parameters: none are defined
			value = value[:i]
		}
		if len(value) < 2 || value[0] != ':' || value[len(value)-1] != ':' {
			return nil, false, errMalformed
		}
		b, err := base64.StdEncoding.DecodeString(value[1 : len(value)-1])
		if err != nil {
			return nil, false, errMalformed
		}
		if strings.ToLower(name) == "sha-256" {
			if len(b) != sha256.Size || found {
				return nil, false, errMalformed
			}
			digest, found = b, true
		}
	}
	return digest, found, nil
}

var errMalformed = Errorf(EBadDigest, "malformed")
