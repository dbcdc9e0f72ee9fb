package domain

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
)

// ClientTokenBytes is how many random bytes make a client token (86 characters once encoded).
const ClientTokenBytes = 64

// NewClientToken returns a new client token: ClientTokenBytes random bytes read from r
// (crypto/rand.Reader when r is nil), URL-safe base64 without padding.
func NewClientToken(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, ClientTokenBytes)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// TokenDigest returns the token digest for a client token: standard, padded base64 of the
// SHA-256 of the client token's bytes (44 characters). The server keeps only this.
func TokenDigest(clientToken string) string {
	sum := sha256.Sum256([]byte(clientToken))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// ParseTokenDigest decodes a token digest into the digest it holds. The error never repeats
// the token.
func ParseTokenDigest(s string) ([sha256.Size]byte, error) {
	var d [sha256.Size]byte
	if len(s) != base64.StdEncoding.EncodedLen(sha256.Size) {
		return d, fmt.Errorf("must be %d characters of standard base64 (the SHA-256 of a client token), not %d",
			base64.StdEncoding.EncodedLen(sha256.Size), len(s))
	}
	var buf [sha256.Size + 1]byte // 44 characters may decode to 33 bytes: room to see it
	n, err := base64.StdEncoding.Strict().Decode(buf[:], []byte(s))
	if err != nil || n != sha256.Size {
		return d, fmt.Errorf("must be standard base64 of a SHA-256 digest (44 characters, ending in '=')")
	}
	copy(d[:], buf[:n])
	return d, nil
}
