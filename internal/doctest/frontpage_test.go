package doctest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// maxFrontPage is the most lines README.md may have; the rest goes to docs/.
const maxFrontPage = 300

// TestFrontPageShortAndLicensed: README.md stays a front page of at most 300 lines, and the
// project carries its licence (MIT, as the original) and a changelog in Keep a Changelog's
// form.
func TestFrontPageShortAndLicensed(t *testing.T) {
	root := Root(t)
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if n := strings.Count(read("README.md"), "\n"); n > maxFrontPage {
		t.Errorf("README.md has %d lines, more than %d: move the detail to docs/", n, maxFrontPage)
	}
	if l := read("LICENSE"); !strings.HasPrefix(l, "MIT License") || !strings.Contains(l, "Copyright (c)") {
		t.Errorf("LICENSE is not the MIT licence with a copyright line:\n%.200s", l)
	}
	if c := read("CHANGELOG.md"); !strings.Contains(c, "keepachangelog.com") || !strings.Contains(c, "\n## [Unreleased]\n") {
		t.Error("CHANGELOG.md is not in Keep a Changelog's form (a link to it, an Unreleased section)")
	}
}
