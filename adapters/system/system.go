// Package system provides the real clock and id source of the core.
package system

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// Clock is the system clock, in UTC.
type Clock struct{}

var _ ports.Clock = Clock{}

// Now returns the current time in UTC.
func (Clock) Now() time.Time { return time.Now().UTC() }

// UUIDs makes random version-4 UUIDs (RFC 9562) from crypto/rand, as Python's uuid4() does.
type UUIDs struct{}

var _ ports.IDSource = UUIDs{}

// NewID returns a new random UUID in its canonical, lower-case form.
func (UUIDs) NewID() (string, error) {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		return "", err
	}
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // variant 10 (RFC 9562)
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:]), nil
}
