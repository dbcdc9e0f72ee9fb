package domain

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// MaxBodyLimit is the largest payload limit that can be configured: 6 MiB, the Function URL's
// own payload limit.
const MaxBodyLimit = 6291456

// keyPrefixChars are the characters S3 calls safe in a key, and that every store can keep.
var keyPrefixChars = regexp.MustCompile(`^[A-Za-z0-9!_.*'()=/-]*$`)

// maxSegment is the longest segment a key may have: a file name's limit (255 bytes on ext4,
// xfs, APFS and most others), so that the filesystem store can keep every key.
const maxSegment = 255

// keyLen is the length of the key's own part, after the prefix and partition:
// YYYY-MM-DDTHH:MM:SS.ffffff-<uuid4>.
const keyLen = 26 + 1 + 36

// CheckKeyPrefix checks a prefix put before every object key, such as "drops/": S3's safe
// characters; no leading "/"; no empty segment, and none that starts with "." (hidden: the
// idempotency records live under .idempotency/, and the filesystem store keeps its own files in
// hidden folders); no segment longer than a file name can be, the last one (which the key or
// partition joins unless the prefix ends with "/") with room for the key. It is a plain string
// prefix, so a folder-like prefix ends with "/". The error says what to fix without repeating
// the value.
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
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		last := i == len(segs)-1
		switch {
		case seg == "" && !last:
			return errors.New("must not have an empty segment (//)")
		case strings.HasPrefix(seg, "."):
			return errors.New("must not have a segment that starts with . (hidden folders hold the idempotency records and the filesystem store's own files)")
		case len(seg) > maxSegment:
			return fmt.Errorf("must not have a segment longer than %d characters (a file name's limit)", maxSegment)
		case last && len(seg) > maxSegment-keyLen:
			return fmt.Errorf("must not end with a segment longer than %d characters: the key (%d characters) joins it in one file name", maxSegment-keyLen, keyLen)
		}
	}
	return nil
}
