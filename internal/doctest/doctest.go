// Package doctest lets tests read the project's documentation wherever a passage lives: the
// front page (README.md), the changelog, docs/*.md and deploy/README.md, so that a test that
// runs a documented command or checks a documented figure follows the text when it moves.
package doctest

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Doc is one documentation file: its path from the module's root, slash-separated, and its
// text.
type Doc struct {
	Path string
	Text string
}

// Root returns the module's root: the nearest folder at or above the working directory that
// holds go.mod.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("doctest: no go.mod at or above the working directory")
		}
		dir = parent
	}
}

// Paths returns the documentation files' paths from the module's root: README.md,
// CHANGELOG.md, docs/*.md and deploy/README.md, those that exist, in that order.
func Paths(t testing.TB) []string {
	t.Helper()
	root := Root(t)
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(docs)
	paths := []string{"README.md", "CHANGELOG.md"}
	for _, d := range docs {
		paths = append(paths, "docs/"+filepath.Base(d))
	}
	paths = append(paths, "deploy/README.md")
	var present []string
	for _, p := range paths {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(p))); err == nil {
			present = append(present, p)
		}
	}
	return present
}

// All returns every documentation file (Paths), read.
func All(t testing.TB) []Doc {
	t.Helper()
	root := Root(t)
	var docs []Doc
	for _, p := range Paths(t) {
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, Doc{Path: p, Text: string(b)})
	}
	return docs
}

// Block returns the fenced block (```sh) that follows marker, such as "<!-- s3-howto -->", in
// the one documentation file that holds marker; the test fails when none or several do, or
// when the block is not closed.
func Block(t testing.TB, marker string) string {
	t.Helper()
	var found []string
	var block string
	for _, d := range All(t) {
		_, after, ok := strings.Cut(d.Text, marker)
		if !ok {
			continue
		}
		found = append(found, d.Path)
		_, after, _ = strings.Cut(after, "```sh\n")
		b, _, ok := strings.Cut(after, "\n```")
		if !ok {
			t.Fatalf("%s: no closed ```sh block after %s", d.Path, marker)
		}
		block = b
	}
	if len(found) != 1 {
		t.Fatalf("doctest: %s is in %d documentation files %v, want exactly one (of %v)", marker, len(found), found, Paths(t))
	}
	return block
}

// Match returns the first match of re, with its submatches, in the documentation files in
// Paths' order, and the file it is in; nil and "" when no file matches.
func Match(t testing.TB, re *regexp.Regexp) (m []string, path string) {
	t.Helper()
	for _, d := range All(t) {
		if m := re.FindStringSubmatch(d.Text); m != nil {
			return m, d.Path
		}
	}
	return nil, ""
}

// MatchAll returns every match of re, with its submatches, in all the documentation files.
func MatchAll(t testing.TB, re *regexp.Regexp) [][]string {
	t.Helper()
	var all [][]string
	for _, d := range All(t) {
		all = append(all, re.FindAllStringSubmatch(d.Text, -1)...)
	}
	return all
}
