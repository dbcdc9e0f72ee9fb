package domain

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

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
