package domain

import (
	"errors"
	"regexp"
	"strings"
)

// fieldName is an RFC 9110 field name (a token).
var fieldName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// reservedHeaders are the names the CDN header cannot have: those the contract reads for
// something else, and those CloudFront refuses to add to origin requests (its documented
// list, besides the X-Amz- and X-Edge- prefixes).
var reservedHeaders = []string{
	// read by the contract
	AuthHeader, "content-length", "content-type", "content-digest", "content-md5", IdempotencyHeader,
	// refused by CloudFront as origin custom headers
	"cache-control", "connection", "cookie", "host", "if-match", "if-modified-since", "if-none-match",
	"if-range", "if-unmodified-since", "max-forwards", "pragma", "proxy-authorization",
	"proxy-connection", "range", "request-range", "te", "trailer", "transfer-encoding", "upgrade",
	"via", "x-real-ip",
}

// reservedPrefixes are the prefixes CloudFront refuses in origin custom header names.
var reservedPrefixes = []string{"x-amz-", "x-edge-"}

// CheckCDNHeader checks the name of the header the CDN adds: an HTTP field name that neither
// the contract reads for something else nor CloudFront refuses to add. The error says what to
// fix without repeating the value.
func CheckCDNHeader(name string) error {
	if !fieldName.MatchString(name) {
		return errors.New("must be an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)")
	}
	lower := strings.ToLower(name)
	for _, r := range reservedHeaders {
		if lower == r {
			return errors.New("must not be a header the service reads for something else (authorization, content-*, idempotency-key) or one CloudFront cannot add (such as host or via)")
		}
	}
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(lower, p) {
			return errors.New("must not start with x-amz- or x-edge-: CloudFront cannot add such a header")
		}
	}
	return nil
}
