package doctest

import (
	"regexp"
	"strings"
	"testing"
)

// TestPromisesTableSaysWhatA500Is: the promises' status table says that a 500 is also the
// storage_denied answer to a keyed retry, which an earlier attempt may have stored, and not
// only "a bug; nothing stored": a client that read it so would take a stored payload for
// unstored.
func TestPromisesTableSaysWhatA500Is(t *testing.T) {
	m, path := Match(t, regexp.MustCompile(`(?m)^\| 500 \|[^\n]*$`))
	if m == nil {
		t.Fatal("no status table row for 500 in the documentation: the test is stale")
	}
	row := m[0]
	for _, want := range []string{"storage_denied", "earlier attempt", "Idempotency-Key"} {
		if !strings.Contains(row, want) {
			t.Errorf("%s: the 500 row does not say %q:\n%s", path, want, row)
		}
	}
}
