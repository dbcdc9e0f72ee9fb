package facetest

import (
	"context"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/domain"
)

// Values returns every value of a request header, by name, however the adapter stores them.
type Values func(name string) []string

// hasToken reports whether any value of the header is "Bearer " and then the token, with
// spaces and tabs around it.
func hasToken(values []string, token string) bool {
	for _, v := range values {
		if rest, ok := strings.CutPrefix(v, "Bearer "); ok && strings.Trim(rest, " \t") == token {
			return true
		}
	}
	return false
}

// CheckInvariants asserts what must hold for any request whatsoever, as the fuzz targets send
// them (with the core configured by Config(CDNHeader) and store behind it): a 2xx only with
// both valid tokens and exactly one object stored; nothing over the limit ever stored; every
// refusal a 4xx with a message and nothing stored.
func CheckInvariants(t *testing.T, header Values, status int, body string, store *memstore.Store) {
	t.Helper()
	keys := store.Keys()
	for _, k := range keys {
		if o, _ := store.Get(context.Background(), k); len(o.Data) > domain.DefaultMaxBytes {
			t.Fatalf("stored %d bytes, over the limit of %d", len(o.Data), domain.DefaultMaxBytes)
		}
	}
	switch {
	case status >= 200 && status < 300:
		if !hasToken(header(CDNHeader), CDNToken) || !hasToken(header("authorization"), AuthToken) {
			t.Fatalf("status %d without both valid tokens", status)
		}
		if len(keys) != 1 {
			t.Fatalf("status %d and %d objects stored, want 1", status, len(keys))
		}
	case status >= 400 && status < 500:
		if body == "" {
			t.Fatalf("status %d without a message", status)
		}
		if len(keys) != 0 {
			t.Fatalf("status %d and %d objects stored, want none", status, len(keys))
		}
	default:
		t.Fatalf("status %d: want 2xx or 4xx (the memory store does not fail)", status)
	}
}
