package domain

import (
	"errors"
	"strings"
)

// contractHeaders are the headers the contract reads for something else: the CDN header
// cannot be one of them.
var contractHeaders = []string{
	AuthHeader, "content-length", "content-type", "content-digest", "content-md5", IdempotencyHeader,
}

// CheckCDNHeader checks the name of the header the CDN adds: an HTTP field name that the
// contract does not read for something else. The error says what to fix without repeating
// the value.
func CheckCDNHeader(name string) error {
	if !isToken(name) { // an RFC 9110 field name is a token
		return errors.New("must be an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)")
	}
	lower := strings.ToLower(name)
	for _, r := range contractHeaders {
		if lower == r {
			return errors.New("must not be a header the service reads for something else (authorization, content-*, idempotency-key)")
		}
	}
	return nil
}
