package domain

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// KeyTimeLayout formats the time part of an object key: UTC, always six fraction digits, so
// that keys sort by time.
const KeyTimeLayout = "2006-01-02T15:04:05.000000"

// keyPrefixChars are the characters S3 calls safe in a key, and that every store can keep.
var keyPrefixChars = regexp.MustCompile(`^[A-Za-z0-9!_.*'()=/-]*$`)

// maxSegment is the longest segment a key may have: a file name's limit (255 bytes on ext4,
// xfs, APFS and most others), so that the filesystem store can keep every key.
const maxSegment = 255

// keyLen is the length of the key's own part, after the prefix and partition:
// YYYY-MM-DDTHH:MM:SS.ffffff-<uuid4>.
const keyLen = len(KeyTimeLayout) + 1 + 36 // the time, "-", a UUID

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

// newKey returns [prefix][dt=YYYY-MM-DD/]YYYY-MM-DDTHH:MM:SS.ffffff-<id>: the UTC time, then
// a unique id, so that listing a prefix sorts by time; and that time.
func (s *Service) newKey() (string, time.Time, error) {
	id, err := s.ids.NewID()
	if err != nil {
		return "", time.Time{}, &Error{Code: EInternal, Message: "Internal error: the payload was not stored", Err: fmt.Errorf("new id: %w", err)}
	}
	now := s.clock.Now().UTC()
	var buf [128]byte
	b := append(buf[:0], s.cfg.KeyPrefix...)
	if s.cfg.DatePartition {
		b = append(b, "dt="...)
		b = now.AppendFormat(b, "2006-01-02")
		b = append(b, '/')
	}
	return string(appendKey(b, now, id)), now, nil
}

// Key returns the object key for a time and an id, as Drop makes it.
func Key(t time.Time, id string) string {
	var buf [80]byte
	return string(appendKey(buf[:0], t, id))
}

// appendKey appends the key proper: the UTC time with six fraction digits, and the id.
func appendKey(b []byte, t time.Time, id string) []byte {
	b = t.UTC().AppendFormat(b, KeyTimeLayout)
	b = append(b, '-')
	return append(b, id...)
}
