package deploy

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// unescape decodes the %XX escapes of p whose byte keep accepts.
func unescape(p string, keep func(b byte) bool) string {
	var out strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '%' && i+2 < len(p) {
			if b, err := strconv.ParseUint(p[i+1:i+3], 16, 8); err == nil && keep(byte(b)) {
				out.WriteByte(byte(b))
				i += 2
				continue
			}
		}
		out.WriteByte(p[i])
	}
	return out.String()
}

// removeDots removes a path's dot segments. With leading false, a ".." with nothing before it
// is dropped (RFC 3986, 5.2.4); with leading true it is kept, and so are empty segments
// dropped or kept by keepEmpty.
func removeDots(p string, leading, keepEmpty bool) string {
	var segs []string
	for _, s := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		switch {
		case s == ".":
		case s == "" && !keepEmpty:
		case s == ".." && len(segs) > 0 && segs[len(segs)-1] != "..":
			segs = segs[:len(segs)-1]
		case s == "..":
			if leading {
				segs = append(segs, s)
			}
		default:
			segs = append(segs, s)
		}
	}
	return "/" + strings.Join(segs, "/")
}

// cloudFrontPath is the path CloudFront matches its behaviours on: normalized as RFC 3986
// says (escapes of unreserved characters decoded, dot segments removed).
func cloudFrontPath(p string) string {
	unreserved := func(b byte) bool {
		return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || strings.IndexByte("-._~", b) >= 0
	}
	return removeDots(unescape(p, unreserved), false, true)
}

// wafPathTransform applies a WAF text transformation to a URI path, as AWS WAF's developer
// guide describes it; a type this test does not know fails it.
func wafPathTransform(t *testing.T, typ, p string) string {
	t.Helper()
	switch typ {
	case "NONE":
		return p
	case "URL_DECODE":
		return unescape(p, func(byte) bool { return true })
	case "NORMALIZE_PATH": // multiple slashes, self-references, and back-references not at the start
		return removeDots(p, true, false)
	}
	t.Fatalf("text transformation %s: not known to this test", typ)
	return ""
}

// rateRule returns rule i of the web ACL, as the stack makes it with rate limits on, failing
// the test unless it is named name.
func rateRule(t *testing.T, tmpl object, i int, name string) object {
	t.Helper()
	rule := get(t, tmpl, "Resources", "WebAcl", "Properties", "Rules", i, "Fn::If", 1).(object)
	if rule["Name"] != name {
		t.Fatalf("rule %v: want %s", rule["Name"], name)
	}
	return rule
}

// TestRateScopeEverySpelling: the per-IP rate limit counts every request that CloudFront sends
// to the function, however it spells the drop path (percent-encoded letters, dot segments),
// and none to other paths.
func TestRateScopeEverySpelling(t *testing.T) {
	tmpl, _ := load(t)
	rule := rateRule(t, tmpl, 0, "rate-per-ip")
	match := get(t, rule, "Statement", "RateBasedStatement", "ScopeDownStatement", "ByteMatchStatement").(object)
	dropPath := get(t, tmpl, "Parameters", "DropPath", "Default").(string)
	if strings.Contains(dropPath, "*") {
		t.Fatalf("DropPath's default %q: this test wants a literal path", dropPath)
	}
	transforms := match["TextTransformations"].([]any)
	slices.SortFunc(transforms, func(a, b any) int {
		return int(a.(object)["Priority"].(float64) - b.(object)["Priority"].(float64))
	})
	counted := func(path string) bool {
		for _, tr := range transforms {
			path = wafPathTransform(t, tr.(object)["Type"].(string), path)
		}
		switch c := match["PositionalConstraint"]; c {
		case "STARTS_WITH":
			return strings.HasPrefix(path, dropPath)
		case "CONTAINS":
			return strings.Contains(path, dropPath)
		case "EXACTLY":
			return path == dropPath
		default:
			t.Fatalf("positional constraint %v: not known to this test", c)
		}
		return false
	}
	spell := func(p string) string { // every letter of p percent-encoded
		var b strings.Builder
		for i := 0; i < len(p); i++ {
			if p[i] == '/' {
				b.WriteByte('/')
			} else {
				b.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(p[i]), 16)))
			}
		}
		return b.String()
	}
	last := dropPath[strings.LastIndex(dropPath, "/")+1:]
	dir := dropPath[:strings.LastIndex(dropPath, "/")]
	for _, p := range []string{
		dropPath, spell(dropPath), strings.ToLower(spell(dropPath)),
		dir + "/%" + strconv.FormatUint(uint64(last[0]), 16) + last[1:],
		dir + "/./" + last, dir + "/x/../" + last, "/.." + dropPath, "/." + dropPath, "/../.." + dropPath,
		dir + "/%2e/" + last, dir + "/%2E%2E" + dropPath,
	} {
		if cloudFrontPath(p) != dropPath {
			t.Fatalf("%s: CloudFront matches it on %s, not the drop path: not a sample this test means", p, cloudFrontPath(p))
		}
		if !counted(p) {
			t.Errorf("%s reaches the function (CloudFront matches it on %s), and the per-IP limit does not count it", p, dropPath)
		}
	}
	// Other paths, answered 404 at the edge, are not the drop path's count (a spelling that
	// never reaches the function, such as %2F for its slash, may be: that only counts a
	// scanner's requests against itself).
	for _, p := range []string{"/", "/healthz", dir + "/other", "/other" + dir} {
		if counted(p) {
			t.Errorf("%s: counted as the drop path", p)
		}
	}
}
