package deploy

import (
	"regexp"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/internal/doctest"
)

// TestLogReasonsDocumented: the log line's field table names every reason a line can carry
// (every error code of the core and of the HTTP face), so that an operator who meets one in a
// log or a metric finds what it means, and has a row for the path each line carries.
func TestLogReasonsDocumented(t *testing.T) {
	m, path := doctest.Match(t, regexp.MustCompile("(?m)^\\| `reason` \\|[^\\n]*$"))
	if m == nil {
		t.Fatal("no row for the log line's reason in the documentation: the test is stale")
	}
	if p, _ := doctest.Match(t, regexp.MustCompile("(?m)^\\| `path` \\|")); p == nil {
		t.Error("the log line's field table has no row for path")
	}
	for _, c := range codes {
		if !strings.Contains(m[0], "`"+c+"`") {
			t.Errorf("%s: the reason row does not name %s", path, c)
		}
	}
}
