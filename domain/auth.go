package domain

import (
	"crypto/sha256"
	"crypto/subtle"
	"strings"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// AuthHeader is the header that carries the client's own bearer token.
const AuthHeader = "authorization"

// tokenPadding is the whitespace a token may have around it: HTTP's own (spaces and tabs). No
// other (a vertical tab, a no-break or ideographic space) passes, so that a token's accepted
// header values stay those that the edge's per-client rate limit counts as one
// (deploy/README.md, Limits at the edge).
const tokenPadding = " \t"

// bearer checks one authorization header against the accepted credentials: present,
// starting with "Bearer ", and the SHA-256 of the token after the first space (surrounding
// spaces and tabs trimmed, no other whitespace) equal to an accepted digest. Every credential is compared, in
// constant time, whatever matches, so that timing tells nothing of the tokens.
func bearer(h ports.Header, name, code string, creds []Credential) (Credential, error) {
	v, ok := h.Get(name)
	if !ok {
		return Credential{}, Errorf(code, "The %s header must be present", name)
	}
	const scheme = "Bearer "
	if !strings.HasPrefix(v, scheme) {
		return Credential{}, Errorf(code, "The %s header must start with %q", name, scheme)
	}
	token := strings.Trim(v[len(scheme):], tokenPadding)
	var buf [128]byte // a client token is 86 characters: hash it from the stack, without allocating
	sum := sha256.Sum256(append(buf[:0], token...))
	found, match := 0, Credential{}
	for _, c := range creds {
		eq := subtle.ConstantTimeCompare(sum[:], c.Digest[:])
		if eq == 1 && found == 0 {
			match = c
		}
		found |= eq
	}
	if found == 0 {
		return Credential{}, Errorf(code, "The Bearer token in %s is not correct", name)
	}
	return match, nil
}
