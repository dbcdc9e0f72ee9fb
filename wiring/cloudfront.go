package wiring

import (
	"errors"
	"strings"
)

// cloudFrontRefused are the header names CloudFront refuses to add to origin requests (its
// documented list of origin custom headers it cannot add, besides the prefixes below).
var cloudFrontRefused = []string{
	"cache-control", "connection", "cookie", "host", "if-match", "if-modified-since", "if-none-match",
	"if-range", "if-unmodified-since", "max-forwards", "pragma", "proxy-authorization",
	"proxy-connection", "range", "request-range", "te", "trailer", "transfer-encoding", "upgrade",
	"via", "x-real-ip",
}

// cloudFrontRefusedPrefixes are the prefixes CloudFront refuses in origin custom header names.
var cloudFrontRefusedPrefixes = []string{"x-amz-", "x-edge-"}

// checkCloudFrontHeader checks that CloudFront can add the CDN header to its origin requests.
// The error says what to fix without repeating the name.
func checkCloudFrontHeader(name string) error {
	lower := strings.ToLower(name)
	for _, r := range cloudFrontRefused {
		if lower == r {
			return errors.New("must not be a header CloudFront cannot add to origin requests (such as host or via)")
		}
	}
	for _, p := range cloudFrontRefusedPrefixes {
		if strings.HasPrefix(lower, p) {
			return errors.New("must not start with x-amz- or x-edge-: CloudFront cannot add such a header")
		}
	}
	return nil
}
