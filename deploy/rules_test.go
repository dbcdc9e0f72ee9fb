package deploy

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/dlclark/regexp2"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/wiring"
)

// conditionKey prefixes a condition's value in evalRule's params.
const conditionKey = "Condition::"

// evalRule evaluates a rule or condition function of the template (the few it uses) with
// params, as CloudFormation does before it makes any resource.
func evalRule(t *testing.T, v any, params map[string]any) any {
	t.Helper()
	switch v := v.(type) {
	case string, bool, float64:
		return v
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = evalRule(t, e, params)
		}
		return out
	case object:
		for fn, arg := range v {
			switch fn {
			case "Ref":
				p, ok := params[arg.(string)]
				if !ok {
					t.Fatalf("Ref %v: no such parameter given", arg)
				}
				return p
			case "Fn::Equals":
				a := arg.([]any)
				return reflect.DeepEqual(evalRule(t, a[0], params), evalRule(t, a[1], params))
			case "Fn::Not":
				return !evalRule(t, arg.([]any)[0], params).(bool)
			case "Fn::Contains":
				a := arg.([]any)
				want := evalRule(t, a[1], params)
				for _, m := range evalRule(t, a[0], params).([]any) {
					if m == want {
						return true
					}
				}
				return false
			case "Fn::And", "Fn::Or":
				want := fn == "Fn::Or"
				for _, c := range arg.([]any) {
					if name, ok := c.(string); ok { // goformation reads !Condition X as "X"
						c = object{"Condition": name}
					}
					if evalRule(t, c, params).(bool) == want {
						return want
					}
				}
				return !want
			case "Fn::Join":
				a := arg.([]any)
				var parts []string
				for _, m := range evalRule(t, a[1], params).([]any) {
					parts = append(parts, m.(string))
				}
				return strings.Join(parts, a[0].(string))
			case "Condition":
				c, ok := params[conditionKey+arg.(string)]
				if !ok {
					t.Fatalf("Condition %v: not evaluated yet", arg)
				}
				return c
			case "Fn::EachMemberEquals":
				a := arg.([]any)
				want := evalRule(t, a[1], params)
				for _, m := range evalRule(t, a[0], params).([]any) {
					if m != want {
						return false
					}
				}
				return true
			}
			t.Fatalf("rule function %s: not known to this test", fn)
		}
	}
	t.Fatalf("rule value %v (%T): not known to this test", v, v)
	return nil
}

// refused returns the descriptions of the assertions that params fail, before any resource is
// made.
func refused(t *testing.T, tmpl object, params map[string]any) []string {
	t.Helper()
	var out []string
	for _, r := range get(t, tmpl, "Rules").(object) {
		rule := r.(object)
		if c, ok := rule["RuleCondition"]; ok && !evalRule(t, c, params).(bool) {
			continue
		}
		for _, a := range rule["Assertions"].([]any) {
			a := a.(object)
			if !evalRule(t, a["Assert"], params).(bool) {
				out = append(out, a["AssertDescription"].(string))
			}
		}
	}
	return out
}

// TestRules: a web ACL made by the stack is refused outside us-east-1 (before any resource,
// with a message that says what to do), as is a web ACL made and one given at once, one
// token for both layers, and an alarm email with no alarms to send.
func TestRules(t *testing.T) {
	tmpl, _ := load(t)
	auth, cdn := domain.TokenDigest("a"), domain.TokenDigest("c")
	tests := []struct {
		name   string
		region string
		cidrs  []any
		arn    string
		auth   string
		email  string
		on     string // Monitoring
		want   string // "" when accepted
	}{
		{"no web ACL, any region", "eu-west-1", []any{""}, "", auth, "", "true", ""},
		{"web ACL made in us-east-1", "us-east-1", []any{"192.0.2.0/24"}, "", auth, "", "true", ""},
		{"web ACL made in eu-west-1", "eu-west-1", []any{"192.0.2.0/24", "198.51.100.7/32"}, "", auth, "", "true", "Deploy this stack in us-east-1"},
		{"own web ACL, any region", "eu-west-1", []any{""}, "arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/1", auth, "", "true", ""},
		{"both", "us-east-1", []any{"192.0.2.0/24"}, "arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/1", auth, "", "true", "not both"},
		{"one token for both layers", "us-east-1", []any{""}, "", cdn, "", "true", "must differ"},
		{"a region without Function URLs", "eu-central-2", []any{""}, "", auth, "", "true", "no Function URLs"},
		{"alarm email with monitoring", "eu-west-1", []any{""}, "", auth, "ops@example.com", "true", ""},
		{"no monitoring, no email", "eu-west-1", []any{""}, "", auth, "", "false", ""},
		{"alarm email without monitoring", "eu-west-1", []any{""}, "", auth, "ops@example.com", "false", "Set Monitoring=true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := refused(t, tmpl, map[string]any{"AWS::Region": tt.region, "WafAllowedCidrs": tt.cidrs,
				"WebAclArn": tt.arn, "AuthToken": tt.auth, "CdnToken": cdn, "AlarmEmail": tt.email, "Monitoring": tt.on,
				"ExpireAfterDays": "0", "KeyPrefix": "", "WafRateLimits": "false"})
			switch {
			case tt.want == "" && len(got) != 0:
				t.Errorf("refused: %q", got)
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
				t.Errorf("refusals %q, want one saying %q", got, tt.want)
			}
		})
	}
}

// TestTimeoutsAgree: the function answers (its timeout less the 0.5 s it keeps to answer)
// before CloudFront stops waiting for it, with room for a cold start.
func TestTimeoutsAgree(t *testing.T) {
	tmpl, _ := load(t)
	maxTimeout := get(t, tmpl, "Parameters", "Timeout", "MaxValue").(float64)
	read := get(t, tmpl, "Resources", "Distribution", "Properties", "DistributionConfig", "Origins", 0, "CustomOriginConfig", "OriginReadTimeout").(float64)
	if maxTimeout+1 > read {
		t.Errorf("function timeout up to %v s, CloudFront's origin read timeout %v s: want the timeout at least 1 s below it", maxTimeout, read)
	}
}

// TestReservedConcurrency: optional, off by default, applied to the function when set.
func TestReservedConcurrency(t *testing.T) {
	tmpl, _ := load(t)
	if got := get(t, tmpl, "Parameters", "ReservedConcurrency", "Default"); got != 0.0 {
		t.Errorf("ReservedConcurrency default %v, want 0 (none)", got)
	}
	got := get(t, tmpl, "Resources", "Function", "Properties", "ReservedConcurrentExecutions")
	want := object{"Fn::If": []any{"HasReservedConcurrency", ref("ReservedConcurrency"), ref("AWS::NoValue")}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReservedConcurrentExecutions %v, want %v", got, want)
	}
}

// allowed reports whether the template's constraints on a String parameter accept value. The
// patterns use lookahead (Java's regular expressions, as CloudFormation's), which regexp2 reads
// as CloudFormation does.
func allowed(t *testing.T, tmpl object, param, value string) bool {
	t.Helper()
	p := get(t, tmpl, "Parameters", param).(object)
	if p["Type"] != "String" {
		t.Fatalf("%s is a %v: want a String, whose pattern can say exactly what the function accepts", param, p["Type"])
	}
	re, err := regexp2.Compile(p["AllowedPattern"].(string), regexp2.None)
	if err != nil {
		t.Fatalf("%s: %v", param, err)
	}
	ok, err := re.MatchString(value)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestParametersAgreeWithSettings: for each parameter that becomes a setting, a table of valid
// and invalid values: the template accepts exactly those the function's settings accept, so
// that no stack deploys a function that then refuses to start.
func TestParametersAgreeWithSettings(t *testing.T) {
	tmpl, _ := load(t)
	long := strings.Repeat("s", 255)
	tok1, tok2, tok3, tok4 := domain.TokenDigest("t1"), domain.TokenDigest("t2"), domain.TokenDigest("t3"), domain.TokenDigest("t4")
	tests := []struct {
		param, env string
		wrap       func(string) string // the parameter's value as the variable's
		values     []string
	}{
		{"CdnHeaderName", "CDN_TOKEN_HTTP_HEADER_NAME", nil, []string{
			"x-cdn-authorization", "X-CDN-Authorization", "x-origin-verify", "X_Token", "a", "x-amzn-cdn", "x-amz", "x-edgex",
			"authorization", "Authorization", "Host", "HOST", "via", "te", "X-Amz-Cdn", "x-amz-", "X-Edge-Token", "content-type",
			"Content-Length", "idempotency-key", "x-real-ip", "cookie", "range", "x cdn", "x:cdn", "", "ü",
		}},
		{"KeyPrefix", "KEY_PREFIX", nil, []string{
			"", "drops/", "drops/in/", "drop-", "a", "team-a/in.box/", "x.y/", "a=b/c(1)/", long + "/", "in/" + strings.Repeat("s", 192),
			"/drops/", "drops//in/", ".hidden/", ".idempotency/", "in/.x/", "in/.", "./", "../", "a/../", long + "s/",
			"in/" + strings.Repeat("s", 193), strings.Repeat("ab/", 171), "dröps/", "a b/", "a\\b",
		}},
		{"MetricsNamespace", "METRICS_NAMESPACE", nil, []string{
			"S3Dropbox", "", "Team/S3 Dropbox", "a.b-c_d#e:f", strings.Repeat("n", 255),
			"AWS/Lambda", "AWS/", strings.Repeat("n", 256), "ns!", "ü",
		}},
		{"MaxBodyBytes", "MAX_BODY_BYTES", nil, []string{
			"1", "10240", "999999", "1000000", "5999999", "6000000", "6291455", "6291456",
			"0", "6291457", "6299999", "7000000", "10000000", "010240", "0x2800", "1e4", "10240.0", "+10240", "-1", "", " 10240",
		}},
		{"IdempotencyTtlDays", "IDEMPOTENCY_TTL", func(v string) string { return v + "d" }, []string{
			"1", "2", "9", "10", "99", "100", "299", "300", "359", "360", "365",
			"0", "366", "400", "1000", "1.5", "01", "", "-1",
		}},
		{"AuthToken", "AUTH_TOKEN", nil, []string{
			tok1, tok1 + "," + tok2, " " + tok1 + " , " + tok2 + " ", "acme:" + tok1, "acme:" + tok1 + ",acme-2:" + tok2, "a-0:" + tok1,
			"", ",", tok1 + ",", tok1[:43], tok1 + "=", tok1[:42] + "B=", strings.Replace(tok1, tok1[:1], "-", 1), "Acme:" + tok1,
			strings.Repeat("n", 33) + ":" + tok1, ":" + tok1, "acme " + tok1, tok1 + ";" + tok2,
		}},
		{"CdnToken", "CDN_TOKEN", nil, []string{tok3, tok3 + "," + tok4, "edge:" + tok3, "", tok3[:42] + "B=", "x"}},
		{"S3EndpointUrl", "S3_ENDPOINT_URL", nil, []string{
			"", "http://127.0.0.1:9000", "https://minio.internal:9000/", "http://minio", "https://s3.example.com/path?x=1",
			"minio:9000", "ftp://example.com", "http://", "https://", "http:///x",
		}},
	}
	for _, tt := range tests {
		for _, v := range tt.values {
			t.Run(fmt.Sprintf("%s=%s", tt.param, strconv.Quote(v)), func(t *testing.T) {
				env := v
				if tt.wrap != nil {
					env = tt.wrap(v)
				}
				setBaseline(t)
				t.Setenv(tt.env, env)
				_, err := wiring.LoadLambda()
				if got, want := allowed(t, tmpl, tt.param, v), err == nil; got != want {
					t.Errorf("template accepts %v, the settings accept %v (%v)", got, want, err)
				}
			})
		}
	}
}

// setBaseline sets a valid environment for the Lambda's settings.
func setBaseline(t *testing.T) {
	t.Helper()
	for k, v := range map[string]string{
		"BUCKET": "b", "AUTH_TOKEN": domain.TokenDigest("a"), "CDN_TOKEN": domain.TokenDigest("c"),
		"CDN_TOKEN_HTTP_HEADER_NAME": "x-cdn-authorization", "S3_ENDPOINT_URL": "", "MAX_BODY_BYTES": "10240",
		"KEY_PREFIX": "", "KEY_DATE_PARTITION": "false", "IDEMPOTENCY_TTL": "1d", "LOG_LEVEL": "info", "METRICS_NAMESPACE": "S3Dropbox",
	} {
		t.Setenv(k, v)
	}
}

// TestChoicesAreAccepted: every value a parameter with AllowedValues offers, the settings
// accept.
func TestChoicesAreAccepted(t *testing.T) {
	tmpl, _ := load(t)
	for param, env := range map[string]string{"LogLevel": "LOG_LEVEL", "KeyDatePartition": "KEY_DATE_PARTITION"} {
		for _, v := range get(t, tmpl, "Parameters", param, "AllowedValues").([]any) {
			setBaseline(t)
			t.Setenv(env, v.(string))
			if _, err := wiring.LoadLambda(); err != nil {
				t.Errorf("%s=%v: the template offers it, the settings refuse it: %v", param, v, err)
			}
		}
	}
}
