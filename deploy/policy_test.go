package deploy

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// statement is an IAM policy statement of the template, its ARNs resolved for one bucket.
type statement struct {
	Sid         string `json:",omitempty"`
	Effect      string
	Principal   any                       `json:",omitempty"`
	Action      []string                  `json:",omitempty"`
	Resource    []string                  `json:",omitempty"`
	NotResource []string                  `json:",omitempty"`
	Condition   map[string]map[string]any `json:",omitempty"`
}

// policyJSON returns statements as an IAM policy document.
func policyJSON(t *testing.T, sts []statement) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": sts})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// resolveARN returns a Resource of the template (!GetAtt DropBucket.Arn, or a !Sub of it with
// ${KeyPrefix}) as the ARN CloudFormation makes of it for bucket.
func resolveARN(t *testing.T, v any, bucket, keyPrefix string) string {
	t.Helper()
	arn := "arn:aws:s3:::" + bucket
	switch v := v.(type) {
	case object:
		if att, ok := v["Fn::GetAtt"]; ok && att == "DropBucket.Arn" {
			return arn
		}
		if sub, ok := v["Fn::Sub"].(string); ok {
			s := strings.NewReplacer("${DropBucket.Arn}", arn, "${KeyPrefix}", keyPrefix).Replace(sub)
			if strings.Contains(s, "${") {
				t.Fatalf("resource %v: a substitution not known to this test", v)
			}
			return s
		}
	case string:
		return v
	}
	t.Fatalf("resource %v: not known to this test", v)
	return ""
}

// templateStatements returns the statements of a policy document of the template, resolved
// for bucket and keyPrefix.
func templateStatements(t *testing.T, doc any, bucket, keyPrefix string) []statement {
	t.Helper()
	var out []statement
	for _, s := range get(t, doc, "Statement").([]any) {
		st := s.(object)
		r := statement{Effect: st["Effect"].(string), Action: statementActions(st), Principal: st["Principal"]}
		if sid, ok := st["Sid"].(string); ok {
			r.Sid = sid
		}
		for field, into := range map[string]*[]string{"Resource": &r.Resource, "NotResource": &r.NotResource} {
			switch v := st[field].(type) {
			case nil:
			case []any:
				for _, e := range v {
					*into = append(*into, resolveARN(t, e, bucket, keyPrefix))
				}
			default:
				*into = append(*into, resolveARN(t, v, bucket, keyPrefix))
			}
		}
		if c, ok := st["Condition"].(object); ok {
			r.Condition = map[string]map[string]any{}
			for op, kv := range c {
				r.Condition[op] = kv.(object)
			}
		}
		out = append(out, r)
	}
	return out
}

// roleS3Statements returns the function role's statements that grant S3 actions.
func roleS3Statements(t *testing.T, tmpl object, bucket, keyPrefix string) []statement {
	t.Helper()
	var s3 []any
	for _, p := range get(t, tmpl, "Resources", "FunctionRole", "Properties", "Policies").([]any) {
		for _, st := range get(t, p, "PolicyDocument", "Statement").([]any) {
			if strings.HasPrefix(statementActions(st.(object))[0], "s3:") {
				s3 = append(s3, st)
			}
		}
	}
	return templateStatements(t, object{"Statement": s3}, bucket, keyPrefix)
}

// s3Request is what IAM sees of one S3 request: its action, its resource and its condition
// keys (absent keys are not in ctx).
type s3Request struct {
	action, resource string
	ctx              map[string]string
}

// requestOf returns what IAM sees of an S3 request sent path-style (/bucket/key), over TLS as
// on AWS.
func requestOf(r *http.Request) s3Request {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	q := r.URL.Query()
	req := s3Request{resource: "arn:aws:s3:::" + bucket + "/" + key, ctx: map[string]string{"aws:SecureTransport": "true"}}
	creation := func(on bool) {
		req.action = "s3:PutObject"
		req.ctx["s3:ObjectCreationOperation"] = map[bool]string{true: "true", false: "false"}[on]
		for _, h := range []string{"If-None-Match", "If-Match"} {
			if v := r.Header.Get(h); v != "" {
				req.ctx["s3:"+strings.ToLower(h)] = v
			}
		}
	}
	switch {
	case key == "" && r.Method == http.MethodGet:
		req.action, req.resource = "s3:ListBucket", "arn:aws:s3:::"+bucket
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		req.action = "s3:GetObject"
	case r.Method == http.MethodDelete:
		req.action = "s3:DeleteObject"
	case r.Method == http.MethodPost && q.Has("uploads"): // CreateMultipartUpload
		creation(false)
	case r.Method == http.MethodPut && q.Has("partNumber"): // UploadPart, UploadPartCopy
		creation(false)
	default: // PutObject, CopyObject, CompleteMultipartUpload (POST ?uploadId)
		creation(true)
	}
	return req
}

// glob matches an IAM pattern (* and ?) against s.
func glob(pattern, s string) bool {
	re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	return regexp.MustCompile(re).MatchString(s)
}

// applies reports whether st applies to req: its action, its resource, and every condition.
func (st statement) applies(t *testing.T, req s3Request) bool {
	t.Helper()
	matchAny := func(patterns []string, s string) bool {
		for _, p := range patterns {
			if glob(p, s) {
				return true
			}
		}
		return false
	}
	if !matchAny(st.Action, req.action) {
		return false
	}
	if st.Resource != nil && !matchAny(st.Resource, req.resource) || st.NotResource != nil && matchAny(st.NotResource, req.resource) {
		return false
	}
	for op, kv := range st.Condition {
		for key, want := range kv {
			got, present := req.ctx[key]
			var ok bool
			switch op {
			case "Null":
				ok = (want == "true") == !present
			case "Bool", "StringEquals":
				ok = present && got == want
			case "StringLike":
				ok = present && glob(want.(string), got)
			default:
				t.Fatalf("condition operator %s: not known to this test", op)
			}
			if !ok {
				return false
			}
		}
	}
	return true
}

// checkOperators fails the test if a statement has a condition operator that applies does
// not know, so that applies, called from other goroutines, never has to.
func checkOperators(t *testing.T, sts []statement) {
	t.Helper()
	for _, st := range sts {
		for op := range st.Condition {
			switch op {
			case "Null", "Bool", "StringEquals", "StringLike":
			default:
				t.Fatalf("statement %s: condition operator %s not known to this test", st.Sid, op)
			}
		}
	}
}

// allows reports whether sts allow req: an Allow applies and no Deny does.
func allows(t *testing.T, sts []statement, req s3Request) bool {
	t.Helper()
	allowed := false
	for _, st := range sts {
		if st.applies(t, req) {
			if st.Effect == "Deny" {
				return false
			}
			allowed = true
		}
	}
	return allowed
}

// denies reports whether a Deny of sts applies to req.
func denies(t *testing.T, sts []statement, req s3Request) bool {
	t.Helper()
	for _, st := range sts {
		if st.Effect == "Deny" && st.applies(t, req) {
			return true
		}
	}
	return false
}
