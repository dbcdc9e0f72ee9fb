package deploy

import (
	"encoding/json"
	"regexp"
	"slices"
	"testing"

	goformation "github.com/awslabs/goformation/v7"

	"github.com/s3-dropbox/s3-dropbox/httpface"
)

// wafMatches evaluates a scope-down statement of the web ACL on a URI path, as far as the
// statements the template uses go (regex and byte matches, and, not); another fails the test.
func wafMatches(t *testing.T, st object, path string) bool {
	t.Helper()
	transform := func(m object) string {
		trs := m["TextTransformations"].([]any)
		slices.SortFunc(trs, func(a, b any) int {
			return int(a.(object)["Priority"].(float64) - b.(object)["Priority"].(float64))
		})
		p := path
		for _, tr := range trs {
			p = wafPathTransform(t, tr.(object)["Type"].(string), p)
		}
		return p
	}
	switch {
	case st["NotStatement"] != nil:
		return !wafMatches(t, get(t, st, "NotStatement", "Statement").(object), path)
	case st["AndStatement"] != nil:
		for _, s := range get(t, st, "AndStatement", "Statements").([]any) {
			if !wafMatches(t, s.(object), path) {
				return false
			}
		}
		return true
	case st["RegexMatchStatement"] != nil:
		m := st["RegexMatchStatement"].(object)
		if _, ok := m["FieldToMatch"].(object)["UriPath"]; !ok {
			t.Fatalf("regex match on %v: want the URI path", m["FieldToMatch"])
		}
		return regexp.MustCompile(m["RegexString"].(string)).MatchString(transform(m))
	}
	t.Fatalf("statement %v: not known to this test", st)
	return false
}

// TestUploadsRateScope: with rate limits and uploads, an upload's requests (its PATCHes
// above all) count in their own per-client limit, higher than the drops', and not in the
// drops': every path the function serves as an upload, however spelled, in the uploads' rule
// only; every other path, drops in every spelling among them, in the drops' rule only, so that
// no drop escapes its limit by looking like an upload. Without uploads the drops' rule counts
// everything, as before. The web ACL so made parses against CloudFormation's schema.
func TestUploadsRateScope(t *testing.T) {
	tmpl, _ := load(t)
	params := deployParams(t, tmpl)
	params["AWS::Region"], params["WafRateLimits"], params["MaxUploadBytes"] = "us-east-1", "true", "1073741824"
	_, conds := madeWith(t, tmpl, params)
	acl := resolveIf(t, get(t, tmpl, "Resources", "WebAcl", "Properties"), conds).(object)
	b, _ := json.Marshal(object{"Parameters": tmpl["Parameters"], "Resources": object{"WebAcl": object{"Type": "AWS::WAFv2::WebACL", "Properties": acl}}})
	if _, err := goformation.ParseJSON(b); err != nil {
		t.Fatalf("the web ACL with uploads does not parse against CloudFormation's schema: %v", err)
	}
	rules := map[string]object{}
	for _, r := range acl["Rules"].([]any) {
		rules[r.(object)["Name"].(string)] = r.(object)
	}
	drops, uploads := rules["rate-per-client"], rules["rate-uploads-per-client"]
	if drops == nil || uploads == nil {
		t.Fatalf("rules %v: want rate-per-client and rate-uploads-per-client", acl["Rules"])
	}
	dropRate, uploadRate := get(t, drops, "Statement", "RateBasedStatement").(object), get(t, uploads, "Statement", "RateBasedStatement").(object)
	if !equalJSON(dropRate["CustomKeys"], uploadRate["CustomKeys"]) {
		t.Errorf("the uploads' key %v, want the drops' %v (one count per token)", uploadRate["CustomKeys"], dropRate["CustomKeys"])
	}
	if !equalJSON(uploadRate["Limit"], ref("WafRateLimitUploadsPerClient")) {
		t.Errorf("the uploads' limit %v, want WafRateLimitUploadsPerClient", uploadRate["Limit"])
	}
	if u, d := get(t, tmpl, "Parameters", "WafRateLimitUploadsPerClient", "Default").(float64), get(t, tmpl, "Parameters", "WafRateLimitPerClient", "Default").(float64); u <= d {
		t.Errorf("the uploads' default limit %v, want it above the drops' %v (an upload is many PATCHes)", u, d)
	}
	checkRateScopes(t, dropRate, uploadRate)
	// Without uploads, the drops' rule counts every path, and there is no uploads' rule.
	params["MaxUploadBytes"] = "0"
	_, conds = madeWith(t, tmpl, params)
	off := resolveIf(t, get(t, tmpl, "Resources", "WebAcl", "Properties"), conds).(object)
	for _, r := range off["Rules"].([]any) {
		rule := r.(object)
		switch rule["Name"] {
		case "rate-uploads-per-client":
			t.Error("without uploads, a rule for them")
		case "rate-per-client":
			if sd := get(t, rule, "Statement", "RateBasedStatement").(object)["ScopeDownStatement"]; sd != nil {
				t.Errorf("without uploads, the drops' per-client rule is scoped: %v", sd)
			}
		}
	}
}

// checkRateScopes checks that the uploads' rate rule counts every path the function serves
// as an upload's, and the drops' every other, each path in one of them only.
func checkRateScopes(t *testing.T, dropRate, uploadRate object) {
	t.Helper()
	countedBy := func(rate object, path string) bool {
		sd, ok := rate["ScopeDownStatement"].(object)
		return !ok || wafMatches(t, sd, path)
	}
	// Paths the function serves as an upload's: as sent (it routes on the raw path) and as
	// CloudFront forwards it.
	id := "/0f8fad5b-d9cb-469f-a165-70867728950e"
	for _, p := range []string{"/v1/uploads", "/v1/uploads/", "/v1/uploads" + id, "/v1/uploads/x", "/v1/uploads" + id + "/"} {
		if _, ok := httpface.UploadID(p); !ok {
			t.Fatalf("%s: not an upload's path to the function: not a sample this test means", p)
		}
		if countedBy(dropRate, p) || !countedBy(uploadRate, p) {
			t.Errorf("%s, an upload's request: counted by the drops' rule %v, the uploads' %v; want the uploads' only", p, countedBy(dropRate, p), countedBy(uploadRate, p))
		}
	}
	// Every other path, and spellings that are an upload's one way and not the other.
	for _, p := range []string{
		"/v1/drop", "/v1/%64rop", "/v1/./drop", "/../v1/drop", "/", "/v1/uploadsx", "/v1/uploads.csv", "/v1/uploadss/x",
		"/v1/uploads/../drop", "/v1/uploads/%2e%2e/drop", "/v1/uploads/x/../../v1/drop", "/v1/uploads%2F..%2Fdrop",
		"/v1/%75ploads", "/v1/%75ploads" + id, "/v1/uploads%2f", "/x/../v1/uploads", "//v1/uploads", "/v1//uploads",
	} {
		upload := func(q string) bool { _, ok := httpface.UploadID(q); return ok }
		if upload(p) && upload(cloudFrontPath(p)) && p == cloudFrontPath(p) {
			t.Fatalf("%s: an upload's path: not a sample this test means", p)
		}
		if !countedBy(dropRate, p) || countedBy(uploadRate, p) {
			t.Errorf("%s, not plainly an upload's: counted by the drops' rule %v, the uploads' %v; want the drops' only", p, countedBy(dropRate, p), countedBy(uploadRate, p))
		}
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
