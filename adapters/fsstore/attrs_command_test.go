package fsstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/fsstore"
	"github.com/s3-dropbox/s3-dropbox/internal/doctest"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// TestDocumentedAttributesCommand: the command docs/storage.md gives to see a drop's
// attributes without getfattr, run as printed over two drops, prints each attribute of each
// drop on a line that names its file, so that the drops can be told apart.
func TestDocumentedAttributesCommand(t *testing.T) {
	m, _ := doctest.Match(t, regexp.MustCompile(`(?m)^(python3 -c '[^']*') drops/2026-\*$`))
	if m == nil {
		t.Fatal("no python3 command to see a drop's attributes in the documentation: the test is stale")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	dir := t.TempDir()
	s, err := fsstore.New(filepath.Join(dir, "drops"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	keys := []string{"2026-12-01T10:00:00.000001-a", "2026-12-01T10:00:00.000002-b"}
	for i, k := range keys {
		data := []byte(k)
		if err := s.Create(context.Background(), ports.Object{Key: k, Data: data, ContentType: "text/plain", Client: []string{"alice", "bob"}[i], SHA256: sha256.Sum256(data)}); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("sh", "-c", m[1]+" drops/2026-*")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", m[1], err, out)
	}
	for i, k := range keys {
		sum := sha256.Sum256([]byte(k))
		for _, attr := range []string{
			fsstore.AttrContentType + "=text/plain",
			fsstore.AttrClient + "=" + []string{"alice", "bob"}[i],
			fsstore.AttrSHA256 + "=" + base64.StdEncoding.EncodeToString(sum[:]),
		} {
			found := false
			for _, line := range strings.Split(string(out), "\n") {
				found = found || strings.Contains(line, k) && strings.HasSuffix(line, attr)
			}
			if !found {
				t.Errorf("no line names %s with %s:\n%s", k, attr, out)
			}
		}
	}
}
