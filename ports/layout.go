package ports

import (
	"errors"
	"regexp"
	"strings"
)

// MaxBodyLimit is the largest payload limit that can be configured: 6 MiB, the Function URL's
// own payload limit.
const MaxBodyLimit = 6291456

// keyPrefixChars are the characters S3 calls safe in a key, and that every store can keep.
var keyPrefixChars = regexp.MustCompile(`^[A-Za-z0-9!_.*'()=/-]*$`)

// CheckKeyPrefix checks a prefix put before every object key, such as "drops/": S3's safe
// characters; no leading "/", no empty, "." or ".." segment. It is a plain string prefix, so a
// folder-like prefix ends with "/". The error says what to fix without repeating the value.
func CheckKeyPrefix(p string) error {
	switch {
	case p == "":
		return nil
	case len(p) > 512:
		return errors.New("must be at most 512 characters")
	case !keyPrefixChars.MatchString(p):
		return errors.New("must hold only letters, digits, / and !_.*'()=-")
	case strings.HasPrefix(p, "/"):
		return errors.New("must not start with /")
	}
	for _, seg := range strings.Split(strings.TrimSuffix(p, "/"), "/") {
		if seg == "" || seg == "." || seg == ".." {
			return errors.New("must not have an empty, . or .. segment")
		}
	}
	return nil
}
