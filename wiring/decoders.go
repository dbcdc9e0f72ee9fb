package wiring

// The setting types that decode their own values. Their errors never repeat the value: a
// token must not reach a log because it was mistyped.

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
)

// Decimal is an integer setting, read in base 10 only: "010240" is not octal, "0x2800" and
// "0b11" are refused.
type Decimal int

// Decode parses a non-negative decimal integer without a leading zero.
func (n *Decimal) Decode(value string) error {
	v, ok := decimal(value)
	if !ok {
		return errors.New("must be a whole number in decimal, such as 10240, without a sign or leading zero")
	}
	*n = Decimal(v)
	return nil
}

// decimal parses digits only, without a leading zero, up to 2³¹-1.
func decimal(s string) (int, bool) {
	if s == "" || (s[0] == '0' && len(s) > 1) || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 32)
	return int(v), err == nil
}

// isPort reports whether p is a port number in plain decimal: digits only, no sign, no
// leading zero, no service name, at most 65535.
func isPort(p string) bool {
	n, ok := decimal(p)
	return ok && n <= 65535
}

// MinIdempotencyTTL is the shortest IDEMPOTENCY_TTL: a key must outlast the retries of a
// sender (the client's default deadline for one payload is 2 minutes).
const MinIdempotencyTTL = 5 * time.Minute

// Duration is a time.Duration that may also be given in whole days ("2d"), as S3's lifecycle
// counts them.
type Duration time.Duration

// Decode parses a Go duration or a number of days; it must be at least MinIdempotencyTTL and
// at most 365 days.
func (d *Duration) Decode(value string) error {
	v, err := days(value, 365)
	if err != nil {
		return err
	}
	if v < MinIdempotencyTTL {
		return errors.New("must be at least 5m: a key must outlast a sender's retries")
	}
	*d = Duration(v)
	return nil
}

// MaxDropExpiryDays is the longest DROP_EXPIRY, in days: the most the stack's ExpireAfterDays
// takes.
const MaxDropExpiryDays = 99999

// Expiry is how long the drops are kept, a Duration up to MaxDropExpiryDays; 0 when they are
// kept for good.
type Expiry time.Duration

// Decode parses "" (kept for good), or a Go duration or a number of days, at least
// MinIdempotencyTTL (an Idempotency-Key holds no longer than the drops, and must outlast a
// sender's retries) and at most MaxDropExpiryDays.
func (e *Expiry) Decode(value string) error {
	if value == "" {
		*e = 0
		return nil
	}
	v, err := days(value, MaxDropExpiryDays)
	if err != nil {
		return err
	}
	if v < MinIdempotencyTTL {
		return errors.New("must be at least 5m, or empty: an Idempotency-Key holds no longer than the drops, and must outlast a sender's retries")
	}
	*e = Expiry(v)
	return nil
}

// days parses a Go duration or a whole number of days ("2d"); it must be more than 0 and at
// most maxDays days.
func days(value string, maxDays int) (time.Duration, error) {
	tooLong := fmt.Errorf("must be more than 0 and at most %dd", maxDays)
	var v time.Duration
	if n, ok := strings.CutSuffix(value, "d"); ok {
		n, ok := decimal(n)
		if !ok {
			return 0, errors.New("must be a duration such as 36h, or days such as 2d (a whole number in decimal, without a leading zero)")
		}
		if n <= 0 || n > maxDays { // before multiplying, which could overflow
			return 0, tooLong
		}
		v = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if v, err = time.ParseDuration(value); err != nil {
			return 0, errors.New("must be a duration such as 36h, or days such as 2d")
		}
	}
	if v <= 0 || v > time.Duration(maxDays)*24*time.Hour {
		return 0, tooLong
	}
	return v, nil
}

// Period is a duration setting from 0 to 10 minutes, such as 5s.
type Period time.Duration

// Decode parses a Go duration; the error never repeats the value.
func (p *Period) Decode(value string) error {
	d, err := time.ParseDuration(value)
	if err != nil || d < 0 || d > 10*time.Minute {
		return errors.New("must be a duration from 0s to 10m, such as 5s")
	}
	*p = Period(d)
	return nil
}

// Tokens is a list of accepted token digests, in the domain's grammar (domain.ParseCredentials).
type Tokens []domain.Credential

// Decode parses the list. Errors are the domain's: they give an entry's position, never its
// text.
func (t *Tokens) Decode(value string) error {
	creds, err := domain.ParseCredentials(value)
	if err != nil {
		return err
	}
	*t = creds
	return nil
}
