package doctest

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

var (
	// inlineLink is a Markdown inline link or image, [text](target) or [text](target "title").
	inlineLink = regexp.MustCompile(`\]\(([^()\s]+)(?:\s+"[^"]*")?\)`)
	// codeSpan is an inline code span on one line.
	codeSpan = regexp.MustCompile("`[^`\n]*`")
	// heading is an ATX heading.
	heading = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
	// linkText is a link inside a heading, kept as its text.
	linkText = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
)

// prose returns text's lines outside fenced code blocks, with inline code spans blanked.
func prose(text string) []string {
	var lines []string
	fence := ""
	for _, l := range strings.Split(text, "\n") {
		trimmed := strings.TrimLeft(l, " ")
		if fence == "" && (strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~")) {
			fence = trimmed[:3]
			continue
		}
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			continue
		}
		lines = append(lines, l)
	}
	return lines
}

// slug is GitHub's anchor for a heading's text: lower case, every character but letters,
// digits, '-', '_' and spaces dropped, spaces turned into '-'.
func slug(text string) string {
	text = linkText.ReplaceAllString(text, "$1")
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchors returns the anchors of text's headings, a repeated one numbered as GitHub numbers
// it (name, name-1, name-2, …), and those of explicit <a id> and <a name> tags.
func anchors(text string) map[string]bool {
	seen := map[string]int{}
	set := map[string]bool{}
	for _, l := range prose(text) {
		m := heading.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		s := slug(m[1])
		a := s
		if n := seen[s]; n > 0 {
			a = s + "-" + strconv.Itoa(n)
		}
		seen[s]++
		set[a] = true
	}
	for _, m := range regexp.MustCompile(`<a (?:id|name)="([^"]+)"`).FindAllStringSubmatch(text, -1) {
		set[m[1]] = true
	}
	return set
}

func TestSlug(t *testing.T) {
	for _, tc := range []struct{ heading, want string }{
		{"Set-up: two commands", "set-up-two-commands"},
		{"What differs from the Python original", "what-differs-from-the-python-original"},
		{"What keyed drops need beyond the original's role", "what-keyed-drops-need-beyond-the-originals-role"},
		{"[0.1.0] - 2026-12-01", "010---2026-12-01"},
		{"Alarms, dashboards and drop notifications", "alarms-dashboards-and-drop-notifications"},
		{"Self-hosted: Prometheus and Grafana", "self-hosted-prometheus-and-grafana"},
		{"On AWS: a quick start", "on-aws-a-quick-start"},
		{"The `client` package", "the-client-package"},
	} {
		if got := slug(tc.heading); got != tc.want {
			t.Errorf("slug(%q) = %q, want %q", tc.heading, got, tc.want)
		}
	}
}

func TestAnchorsNumberRepeatedHeadings(t *testing.T) {
	got := anchors("# Tests\n\n## Limits\n\n```sh\n# not a heading\n```\n\n## Limits\n")
	for _, want := range []string{"tests", "limits", "limits-1"} {
		if !got[want] {
			t.Errorf("anchors: no %q in %v", want, got)
		}
	}
	if got["not-a-heading"] {
		t.Errorf("anchors: a comment in a code block counted as a heading: %v", got)
	}
}

// TestRelativeLinksResolve: every relative link of the documentation (README.md,
// CHANGELOG.md, docs/*.md, deploy/README.md) names a file or folder that exists, and its
// #anchor, if any, a heading of that file.
func TestRelativeLinksResolve(t *testing.T) {
	root := Root(t)
	docs := All(t)
	if len(docs) < 4 {
		t.Fatalf("only %d documentation files: %v", len(docs), Paths(t))
	}
	anchorsOf := map[string]map[string]bool{}
	anchorsFor := func(p string) (map[string]bool, error) {
		if a, ok := anchorsOf[p]; ok {
			return a, nil
		}
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
		if err != nil {
			return nil, err
		}
		anchorsOf[p] = anchors(string(b))
		return anchorsOf[p], nil
	}
	checked := 0
	for _, d := range docs {
		for _, l := range prose(d.Text) {
			l = codeSpan.ReplaceAllString(l, "``")
			for _, m := range inlineLink.FindAllStringSubmatch(l, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				checked++
				file, anchor, _ := strings.Cut(target, "#")
				p := d.Path
				if file != "" {
					p = path.Clean(path.Join(path.Dir(d.Path), file))
					if strings.HasPrefix(p, "../") || path.IsAbs(file) {
						t.Errorf("%s: link %s leaves the repository", d.Path, target)
						continue
					}
					if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(p))); err != nil {
						t.Errorf("%s: link %s: no %s", d.Path, target, p)
						continue
					}
				}
				if anchor == "" {
					continue
				}
				if !strings.HasSuffix(p, ".md") {
					t.Errorf("%s: link %s: an anchor in a file that is not Markdown", d.Path, target)
					continue
				}
				a, err := anchorsFor(p)
				if err != nil {
					t.Errorf("%s: link %s: %v", d.Path, target, err)
					continue
				}
				if !a[anchor] {
					t.Errorf("%s: link %s: %s has no heading #%s", d.Path, target, p, anchor)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no relative link found: the test is stale")
	}
}
