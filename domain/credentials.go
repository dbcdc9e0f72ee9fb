package domain

import (
	"crypto/sha256"
	"fmt"
	"regexp"
	"strings"
)

// Credential is one accepted token digest: the SHA-256 of a client token, and the name of the
// client that holds it.
type Credential struct {
	Name   string
	Digest [sha256.Size]byte
}

// DefaultClient names the client of a token given without a name.
const DefaultClient = "default"

// clientName is what a client's name may be: 1 to 32 of a-z, 0-9 and -.
var clientName = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)

// ParseCredentials parses a list of token digests: one token, or a comma-separated list for
// rotation, each entry optionally named by its client as name:token (DefaultClient when it is
// not). Errors give an entry's position, never its text.
func ParseCredentials(list string) ([]Credential, error) {
	entries := strings.Split(list, ",")
	creds := make([]Credential, 0, len(entries))
	named := map[string]int{}
	for i, e := range entries {
		pos := i + 1
		e = strings.TrimSpace(e)
		if e == "" {
			return nil, fmt.Errorf("entry %d is empty", pos)
		}
		c := Credential{Name: DefaultClient}
		if name, token, ok := strings.Cut(e, ":"); ok {
			if !clientName.MatchString(name) {
				return nil, errBadName(pos)
			}
			if prev, dup := named[name]; dup {
				return nil, errNameUsed(pos, prev)
			}
			named[name] = pos
			c.Name, e = name, token
		}
		d, err := ParseTokenDigest(e)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", pos, err)
		}
		c.Digest = d
		if err := checkDigest(creds, c, pos); err != nil {
			return nil, err
		}
		creds = append(creds, c)
	}
	return creds, nil
}

// CheckCredentials checks a list of accepted tokens as ParseCredentials makes them: each
// client's name well formed, a name other than DefaultClient given once, a token given once.
func CheckCredentials(creds []Credential) error {
	for i, c := range creds {
		pos := i + 1
		if !clientName.MatchString(c.Name) {
			return errBadName(pos)
		}
		for j, prev := range creds[:i] {
			if c.Name != DefaultClient && prev.Name == c.Name {
				return errNameUsed(pos, j+1)
			}
		}
		if err := checkDigest(creds[:i], c, pos); err != nil {
			return err
		}
	}
	return nil
}

// CheckLayers refuses a token accepted both from a client and from the CDN: it would pass both
// layers, so that a client could go around the CDN and its firewall.
func CheckLayers(auth, cdn []Credential) error {
	for i, a := range auth {
		for j, c := range cdn {
			if a.Digest == c.Digest {
				return fmt.Errorf("entry %d of the client tokens is entry %d of the CDN tokens: one token would pass both layers; make the CDN's with its own create-token run", i+1, j+1)
			}
		}
	}
	return nil
}

// checkDigest refuses c, the entry at pos, when an earlier entry gives its token.
func checkDigest(earlier []Credential, c Credential, pos int) error {
	for j, prev := range earlier {
		if prev.Digest == c.Digest {
			return fmt.Errorf("entry %d: the token is already given by entry %d", pos, j+1)
		}
	}
	return nil
}

func errBadName(pos int) error {
	return fmt.Errorf("entry %d: the client name must be 1 to 32 of a-z, 0-9 and -", pos)
}

func errNameUsed(pos, prev int) error {
	return fmt.Errorf("entry %d: the client name is already used by entry %d", pos, prev)
}
