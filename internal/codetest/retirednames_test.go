package codetest

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/s3-dropbox/s3-dropbox/internal/doctest"
)

// retired are names the project no longer uses for an idea, with the name it uses now.
// CHANGELOG.md alone may still say them.
var retired = map[string]string{
	"ServerToken":         "TokenDigest (the SHA-256 digest of a client token)",
	"serverToken":         "tokenDigest",
	"SERVER_TOKEN":        "TOKEN_DIGEST",
	"server token":        "token digest",
	"unconfirmed":         "unknown (contract.Unknown)",
	"exitUnconfirmed":     "exitUnknown",
	"MaxBodyLimit":        "contract.MaxPayloadBytes",
	"client.MaxPayload":   "contract.MaxPayloadBytes",
	"DefaultDeadline":     "DefaultPayloadTimeout",
	"client.WithDeadline": "client.WithPayloadTimeout",
	"drops_failed":        "drops_5xx",
	`outcome="failed"`:    `outcome="not_stored" or "unknown"`,
	`outcome="rejected"`:  `outcome="refused"`,
	"AUDIT_SEED":          "FAULT_SEED",
	"AUDIT_DROPS":         "FAULT_DROPS",
	"HOSTILE_SECONDS":     "LOAD_SECONDS",
	"AuditSeed":           "FaultSeed",
}

// TestNoRetiredNames: no file of the repository but the changelog (and this test) says a
// retired name.
func TestNoRetiredNames(t *testing.T) {
	root := doctest.Root(t)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if path != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if rel == "CHANGELOG.md" || rel == "go.sum" || rel == filepath.Join("internal", "codetest", "retirednames_test.go") {
			return nil
		}
		if info, err := d.Info(); err != nil || !info.Mode().IsRegular() || info.Size() > 1<<20 {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
			return nil
		}
		for old, now := range retired {
			if i := bytes.Index(b, []byte(old)); i >= 0 {
				t.Errorf("%s:%d says %q; the name is now %s", rel, bytes.Count(b[:i], []byte("\n"))+1, old, now)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
