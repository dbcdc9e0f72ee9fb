// Package deploy holds the CloudFormation template and, under prometheus/, the server's
// alerting rules and Grafana dashboard. Its tests read the template as data, since no AWS
// account is at hand: every resource and property must be known to CloudFormation's schema
// (goformation), and the security properties and the names shared with the code must hold;
// and they check the rules' and the dashboard's queries against a live server's /metrics.
package deploy

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/intrinsics"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/wiring"
)

// unknownToGoformation lists properties that CloudFormation has and goformation's schema does
// not know yet. Each is checked by hand below and removed before the typed parse, which
// refuses any property it does not know.
var unknownToGoformation = map[string][]string{
	"FunctionInvokePermission": {"InvokedViaFunctionUrl"},
}

type object = map[string]any

// load returns the template as a generic map, with intrinsic functions in their long form
// ({"Ref": …}, {"Fn::Sub": …}), and as goformation's typed template.
func load(t *testing.T) (object, *cloudformation.Template) {
	t.Helper()
	data, err := os.ReadFile("template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := intrinsics.ProcessYAML(data, &intrinsics.ProcessorOptions{NoProcess: true})
	if err != nil {
		t.Fatal(err)
	}
	var tmpl object
	if err := json.Unmarshal(raw, &tmpl); err != nil {
		t.Fatal(err)
	}
	var stripped object
	json.Unmarshal(raw, &stripped)
	for res, props := range unknownToGoformation {
		p := get(t, stripped, "Resources", res, "Properties").(object)
		for _, name := range props {
			delete(p, name)
		}
	}
	b, _ := json.Marshal(stripped)
	// goformation resolves a Ref to a parameter as its default, cannot make a list of an empty
	// CommaDelimitedList, and does not turn a String parameter of digits into the integer a
	// property wants (CloudFormation does): parse as deployed with an allow-list, and the
	// days as a number.
	typed, err := goformation.ParseJSONWithOptions(b, &intrinsics.ProcessorOptions{
		ParameterOverrides: map[string]any{"WafAllowedCidrs": []any{"192.0.2.0/24"}, "IdempotencyTtlDays": 1},
	})
	if err != nil {
		t.Fatalf("the template does not parse against CloudFormation's schema: %v", err)
	}
	return tmpl, typed
}

// get walks a path of keys (and list indexes) through the generic template.
func get(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(object)
			if !ok {
				t.Fatalf("%v: not an object at %q", path, k)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("%v: no item %d", path, k)
			}
			v = l[k]
		}
	}
	return v
}

func ref(name string) object { return object{"Ref": name} }

// getAtt is !GetAtt resource.attribute in its long form.
func getAtt(resource, attribute string) object {
	return object{"Fn::GetAtt": resource + "." + attribute}
}

func TestParsesAgainstSchema(t *testing.T) {
	tmpl, typed := load(t)
	resources := get(t, tmpl, "Resources").(object)
	if len(typed.Resources) != len(resources) {
		t.Errorf("goformation read %d resources of %d", len(typed.Resources), len(resources))
	}
	if got := get(t, tmpl, "Resources", "FunctionInvokePermission", "Properties", "InvokedViaFunctionUrl"); got != true {
		t.Errorf("InvokedViaFunctionUrl = %v, want true", got)
	}
}

func TestBucketIsPrivateAndTLSOnly(t *testing.T) {
	tmpl, typed := load(t)
	b, err := typed.GetS3BucketWithName("DropBucket")
	if err != nil {
		t.Fatal(err)
	}
	pab := b.PublicAccessBlockConfiguration
	if pab == nil || !*pab.BlockPublicAcls || !*pab.BlockPublicPolicy || !*pab.IgnorePublicAcls || !*pab.RestrictPublicBuckets {
		t.Errorf("public access block = %+v, want all four on", pab)
	}
	if b.OwnershipControls == nil || b.OwnershipControls.Rules[0].ObjectOwnership == nil || *b.OwnershipControls.Rules[0].ObjectOwnership != "BucketOwnerEnforced" {
		t.Error("ownership is not BucketOwnerEnforced")
	}
	if b.BucketEncryption == nil || b.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm == "" {
		t.Error("no default encryption")
	}
	if got := get(t, tmpl, "Resources", "DropBucket", "DeletionPolicy"); got != "RetainExceptOnCreate" {
		t.Errorf("bucket DeletionPolicy = %v, want RetainExceptOnCreate: deleting the stack must not delete drops, a failed create must not leave an orphan bucket", got)
	}
	if got := get(t, tmpl, "Resources", "DropBucket", "UpdateReplacePolicy"); got != "Retain" {
		t.Errorf("bucket UpdateReplacePolicy = %v, want Retain", got)
	}
	if got := get(t, tmpl, "Parameters", "ExpireAfterDays", "Default"); got != "0" {
		t.Errorf("ExpireAfterDays default = %v, want 0 (no expiry unless asked)", got)
	}
	rules := get(t, tmpl, "Resources", "DropBucket", "Properties", "LifecycleConfiguration", "Rules")
	records := object{"Id": "expire-idempotency-records", "Status": "Enabled", "Prefix": domain.RecordPrefix, "ExpirationInDays": ref("IdempotencyTtlDays")}
	if got := get(t, rules, 0); !reflect.DeepEqual(got, records) {
		t.Errorf("first lifecycle rule %v, want %v", got, records)
	}
	ttl := get(t, tmpl, "Resources", "Function", "Properties", "Environment", "Variables", "IDEMPOTENCY_TTL")
	if !reflect.DeepEqual(ttl, object{"Fn::Sub": "${IdempotencyTtlDays}d"}) {
		t.Errorf("IDEMPOTENCY_TTL = %v, want the same days as the records' lifecycle rule", ttl)
	}
	if got := get(t, rules, 1, "Fn::If", 0); got != "HasExpiry" {
		t.Errorf("the drops' lifecycle rule is not conditional on HasExpiry: %v", got)
	}

	policy := get(t, tmpl, "Resources", "DropBucketPolicy", "Properties")
	if !reflect.DeepEqual(get(t, policy, "Bucket"), ref("DropBucket")) {
		t.Error("the bucket policy is not on DropBucket")
	}
	st := get(t, policy, "PolicyDocument", "Statement", 0).(object)
	want := object{
		"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
		"Resource":  []any{getAtt("DropBucket", "Arn"), object{"Fn::Sub": "${DropBucket.Arn}/*"}},
		"Condition": object{"Bool": object{"aws:SecureTransport": "false"}},
	}
	if !reflect.DeepEqual(st, want) {
		t.Errorf("bucket policy statement = %v, want %v", st, want)
	}
}

// TestRoleGrantsOnlyPutObject: the execution role's S3 actions are s3:PutObject on the
// bucket's objects, s3:GetObject on the idempotency records only, and s3:ListBucket on the
// bucket, unconditioned (without it S3 answers a missing record 403; the GetObject that
// decides carries no s3:prefix, so a prefix condition would void it); besides, it writes its
// own log group, and nothing else.
func TestRoleGrantsOnlyPutObject(t *testing.T) {
	tmpl, _ := load(t)
	role := get(t, tmpl, "Resources", "FunctionRole", "Properties").(object)
	if _, ok := role["ManagedPolicyArns"]; ok {
		t.Error("the role has managed policies; want only the inline ones")
	}
	var actions []string
	for _, p := range role["Policies"].([]any) {
		for _, s := range get(t, p, "PolicyDocument", "Statement").([]any) {
			st := s.(object)
			if st["Effect"] != "Allow" {
				t.Errorf("statement %v: want only Allow statements", st)
			}
			for _, a := range statementActions(st) {
				actions = append(actions, a)
				switch {
				case strings.Contains(a, "*"):
					t.Errorf("wildcard action %s", a)
				case a == "s3:PutObject":
					if !reflect.DeepEqual(st["Resource"], object{"Fn::Sub": "${DropBucket.Arn}/*"}) {
						t.Errorf("s3:PutObject on %v; want ${DropBucket.Arn}/*", st["Resource"])
					}
				case a == "s3:GetObject":
					if !reflect.DeepEqual(st["Resource"], object{"Fn::Sub": "${DropBucket.Arn}/" + domain.RecordPrefix + "*"}) {
						t.Errorf("s3:GetObject on %v; want the idempotency records only", st["Resource"])
					}
				case a == "s3:ListBucket":
					if !reflect.DeepEqual(st["Resource"], getAtt("DropBucket", "Arn")) || st["Condition"] != nil {
						t.Errorf("s3:ListBucket on %v with condition %v; want the bucket, unconditioned", st["Resource"], st["Condition"])
					}
				case strings.HasPrefix(a, "logs:"):
					if !reflect.DeepEqual(st["Resource"], getAtt("FunctionLogGroup", "Arn")) {
						t.Errorf("logs grant on %v; want the function's log group only", st["Resource"])
					}
				default:
					t.Errorf("unexpected action %s", a)
				}
			}
		}
	}
	sort.Strings(actions)
	if want := []string{"logs:CreateLogStream", "logs:PutLogEvents", "s3:GetObject", "s3:ListBucket", "s3:PutObject"}; !slices.Equal(actions, want) {
		t.Errorf("actions = %v, want %v", actions, want)
	}
}

func TestFunction(t *testing.T) {
	tmpl, typed := load(t)
	f, err := typed.GetLambdaFunctionWithName("Function")
	if err != nil {
		t.Fatal(err)
	}
	if f.Runtime == nil || *f.Runtime != "provided.al2023" || f.Handler == nil || *f.Handler != "bootstrap" {
		t.Errorf("runtime %v handler %v, want provided.al2023 and bootstrap", f.Runtime, f.Handler)
	}
	if got := get(t, tmpl, "Parameters", "Architecture", "Default"); got != "arm64" {
		t.Errorf("default architecture %v, want arm64", got)
	}
	if !reflect.DeepEqual(get(t, tmpl, "Resources", "Function", "Properties", "Architectures"), []any{ref("Architecture")}) {
		t.Error("Architectures does not come from the Architecture parameter")
	}
	if *f.MemorySize > 256 || *f.Timeout > 30 {
		t.Errorf("memory %d MB, timeout %d s: want small defaults", *f.MemorySize, *f.Timeout)
	}
	if got := get(t, tmpl, "Resources", "Function", "Properties", "LoggingConfig", "LogGroup"); !reflect.DeepEqual(got, ref("FunctionLogGroup")) {
		t.Errorf("the function logs to %v, want the stack's log group", got)
	}
	if get(t, tmpl, "Resources", "FunctionLogGroup", "Properties", "RetentionInDays") == nil {
		t.Error("the log group has no retention")
	}
}

// TestEnvironmentMatchesSettings: the function's variables are exactly those the Lambda's
// settings read but DROP_PATH, so the template and the code cannot drift.
func TestEnvironmentMatchesSettings(t *testing.T) {
	tmpl, _ := load(t)
	vars := get(t, tmpl, "Resources", "Function", "Properties", "Environment", "Variables").(object)
	var got []string
	fromParameter := func(v any) bool {
		o, _ := v.(object)
		_, isRef := o["Ref"]
		_, isSub := o["Fn::Sub"]
		return isRef || isSub
	}
	for k, v := range vars {
		got = append(got, k)
		// or, by a condition, from one or empty (unset, to the function)
		if arg, ok := v.(object)["Fn::If"].([]any); ok && len(arg) == 3 {
			if (fromParameter(arg[1]) || arg[1] == "") && (fromParameter(arg[2]) || arg[2] == "") {
				continue
			}
		}
		if !fromParameter(v) {
			t.Errorf("%s = %v, want it from a parameter or resource", k, v)
		}
	}
	var buf bytes.Buffer
	if err := wiring.Usage(&buf, &wiring.Lambda{}); err != nil {
		t.Fatal(err)
	}
	var want []string // Usage's lines of variables: two spaces, the name (descriptions have six)
	for _, line := range strings.Split(buf.String(), "\n") {
		if name, ok := strings.CutPrefix(line, "  "); ok && !strings.HasPrefix(name, " ") {
			want = append(want, strings.Fields(name)[0])
		}
	}
	// DROP_PATH stays unset, as in the original: CloudFront routes the one path (DropPath, a
	// path pattern that may hold *) to the function, which takes any.
	want = slices.DeleteFunc(want, func(v string) bool { return v == "DROP_PATH" })
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("function environment %v, want the settings' variables %v", got, want)
	}
}

// TestCDNHeader: one parameter names the header in CloudFront's origin and in the function;
// CloudFront sends the client token, the function checks the token digest.
func TestCDNHeader(t *testing.T) {
	tmpl, _ := load(t)
	origin := get(t, tmpl, "Resources", "Distribution", "Properties", "DistributionConfig", "Origins", 0).(object)
	hdr := get(t, origin, "OriginCustomHeaders", 0).(object)
	if !reflect.DeepEqual(hdr["HeaderName"], ref("CdnHeaderName")) {
		t.Errorf("origin header name %v, want Ref CdnHeaderName", hdr["HeaderName"])
	}
	if !reflect.DeepEqual(hdr["HeaderValue"], object{"Fn::Sub": "Bearer ${CdnClientToken}"}) {
		t.Errorf("origin header value %v, want Bearer ${CdnClientToken}", hdr["HeaderValue"])
	}
	env := get(t, tmpl, "Resources", "Function", "Properties", "Environment", "Variables").(object)
	if !reflect.DeepEqual(env["CDN_TOKEN_HTTP_HEADER_NAME"], ref("CdnHeaderName")) || !reflect.DeepEqual(env["CDN_TOKEN"], ref("CdnToken")) {
		t.Errorf("function CDN settings %v, %v; want Refs to CdnHeaderName and CdnToken", env["CDN_TOKEN_HTTP_HEADER_NAME"], env["CDN_TOKEN"])
	}
	if got := get(t, tmpl, "Parameters", "CdnHeaderName", "Default"); got != "x-cdn-authorization" {
		t.Errorf("CdnHeaderName default %v", got)
	}
}

func TestSecretsAreNoEcho(t *testing.T) {
	tmpl, _ := load(t)
	for name, p := range get(t, tmpl, "Parameters").(object) {
		isSecret := strings.Contains(name, "Token")
		if noEcho := p.(object)["NoEcho"] == true; isSecret != noEcho {
			t.Errorf("parameter %s: NoEcho %v, want %v", name, noEcho, isSecret)
		}
	}
	for _, name := range []string{"AuthToken", "CdnToken", "CdnClientToken"} {
		if get(t, tmpl, "Parameters", name) == nil {
			t.Errorf("no parameter %s", name)
		}
	}
}

func TestFunctionURLAndPermissions(t *testing.T) {
	tmpl, typed := load(t)
	u, err := typed.GetLambdaUrlWithName("FunctionUrl")
	if err != nil || u.AuthType != "NONE" {
		t.Fatalf("function URL %+v, %v; want auth NONE", u, err)
	}
	perms := map[string]object{}
	for _, name := range []string{"FunctionUrlPermission", "FunctionInvokePermission"} {
		perms[name] = get(t, tmpl, "Resources", name, "Properties").(object)
	}
	if p := perms["FunctionUrlPermission"]; p["Action"] != "lambda:InvokeFunctionUrl" || p["FunctionUrlAuthType"] != "NONE" || p["Principal"] != "*" {
		t.Errorf("URL permission %v", p)
	}
	if p := perms["FunctionInvokePermission"]; p["Action"] != "lambda:InvokeFunction" || p["InvokedViaFunctionUrl"] != true {
		t.Errorf("invoke permission %v: want lambda:InvokeFunction only via the function URL", p)
	}
}

func TestDistribution(t *testing.T) {
	tmpl, typed := load(t)
	d, err := typed.GetCloudFrontDistributionWithName("Distribution")
	if err != nil {
		t.Fatal(err)
	}
	cfg := d.DistributionConfig
	origins := map[string]string{}
	for _, o := range cfg.Origins {
		if o.CustomOriginConfig == nil || o.CustomOriginConfig.OriginProtocolPolicy != "https-only" {
			t.Errorf("origin %s is not https-only", o.Id)
		}
		origins[o.Id] = o.DomainName
	}
	if origins["blackhole"] != "blackhole.invalid" {
		t.Errorf("origins %v: want a blackhole origin at blackhole.invalid", origins)
	}
	if cfg.DefaultCacheBehavior.TargetOriginId != "blackhole" {
		t.Errorf("default behaviour goes to %s, want blackhole", cfg.DefaultCacheBehavior.TargetOriginId)
	}
	if len(cfg.CacheBehaviors) != 1 {
		t.Fatalf("%d cache behaviours, want 1 (the drop path)", len(cfg.CacheBehaviors))
	}
	drop := cfg.CacheBehaviors[0]
	const cachingDisabled, allViewerExceptHost = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", "b689b0a8-53d0-40ab-baf2-68738e2966ac"
	if drop.TargetOriginId != "function-url" || !slices.Contains(drop.AllowedMethods, "POST") ||
		drop.CachePolicyId == nil || *drop.CachePolicyId != cachingDisabled ||
		drop.OriginRequestPolicyId == nil || *drop.OriginRequestPolicyId != allViewerExceptHost {
		t.Errorf("drop behaviour %+v: want POST to the function URL, caching disabled, all viewer headers but Host", drop)
	}
	for _, vpp := range []string{drop.ViewerProtocolPolicy, cfg.DefaultCacheBehavior.ViewerProtocolPolicy} {
		if vpp != "https-only" {
			t.Errorf("viewer protocol policy %s, want https-only", vpp)
		}
	}
	path := get(t, tmpl, "Resources", "Distribution", "Properties", "DistributionConfig", "CacheBehaviors", 0, "PathPattern")
	if !reflect.DeepEqual(path, ref("DropPath")) || get(t, tmpl, "Parameters", "DropPath", "Default") != "/v1/drop" {
		t.Errorf("drop path %v, want Ref DropPath defaulting to /v1/drop", path)
	}
}

// TestWAF: the stack's web ACL (CLOUDFRONT scope) is made for an allow-list, for rate limits,
// or both. With an allow-list everything else is blocked; with rate limits alone everything
// else is allowed. The rate-based rules (per source IP on the drop path, per authorization
// header value) come before the allow-list's Allow, which ends evaluation, and answer 429 with
// Retry-After, the window's length.
func TestWAF(t *testing.T) {
	tmpl, typed := load(t)
	if acl, err := typed.GetWAFv2WebACLWithName("WebAcl"); err != nil || acl.Scope != "CLOUDFRONT" {
		t.Fatalf("web ACL %+v, %v: want CLOUDFRONT scope", acl, err)
	}

	for name, want := range map[string]string{"WebAcl": "CreateWaf", "WafIpSet": "HasAllowList"} {
		if got := get(t, tmpl, "Resources", name, "Condition"); got != want {
			t.Errorf("%s condition %v, want %s", name, got, want)
		}
	}
	webACLID := get(t, tmpl, "Resources", "Distribution", "Properties", "DistributionConfig", "WebACLId", "Fn::If")
	if !reflect.DeepEqual(get(t, webACLID, 1), getAtt("WebAcl", "Arn")) {
		t.Errorf("WebACLId %v does not attach the stack's web ACL", webACLID)
	}
	if get(t, tmpl, "Parameters", "WafRateLimits", "Default") != "false" {
		t.Error("WafRateLimits is on by default: want it opt-in (a web ACL costs money)")
	}
	tests := []struct {
		name            string
		cidrs           []any
		rates           string
		made            bool
		rules           []string // by priority
		defaultBlocking bool
	}{
		{"neither", []any{""}, "false", false, nil, false},
		{"allow-list", []any{"192.0.2.0/24"}, "false", true, []string{"allow-listed-ips"}, true},
		{"rate limits", []any{""}, "true", true, []string{"rate-per-ip", "rate-per-client"}, false},
		{"both", []any{"192.0.2.0/24"}, "true", true, []string{"rate-per-ip", "rate-per-client", "allow-listed-ips"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := deployParams(t, tmpl)
			params["AWS::Region"], params["WafAllowedCidrs"], params["WafRateLimits"] = "us-east-1", tt.cidrs, tt.rates
			all, conds := madeWith(t, tmpl, params)
			if all["WebAcl"] != tt.made {
				t.Fatalf("web ACL made %v, want %v", all["WebAcl"], tt.made)
			}
			if !tt.made {
				return
			}
			acl := resolveIf(t, get(t, tmpl, "Resources", "WebAcl", "Properties"), conds).(object)
			// goformation cannot choose an Fn::If's branch: the web ACL so resolved must be
			// known to CloudFormation's schema, every property of its rules.
			b, _ := json.Marshal(object{"Parameters": tmpl["Parameters"], "Resources": object{"WebAcl": object{"Type": "AWS::WAFv2::WebACL", "Properties": acl}}})
			one, err := goformation.ParseJSON(b)
			if err != nil {
				t.Fatalf("the web ACL does not parse against CloudFormation's schema: %v", err)
			}
			typedACL, err := one.GetWAFv2WebACLWithName("WebAcl")
			if err != nil || len(typedACL.Rules) != len(tt.rules) {
				t.Fatalf("typed web ACL %+v, %v; want %d rules", typedACL, err, len(tt.rules))
			}
			for _, r := range typedACL.Rules {
				if r.Statement == nil || r.Action == nil || r.Statement.RateBasedStatement == nil && r.Statement.IPSetReferenceStatement == nil {
					t.Errorf("typed rule %+v: want a rate-based or IP set statement and an action", r)
				}
			}
			if _, blocks := get(t, acl, "DefaultAction").(object)["Block"]; blocks != tt.defaultBlocking {
				t.Errorf("default action %v, want blocking %v", acl["DefaultAction"], tt.defaultBlocking)
			}
			rules := acl["Rules"].([]any)
			slices.SortFunc(rules, func(a, b any) int { return int(a.(object)["Priority"].(float64) - b.(object)["Priority"].(float64)) })
			var names []string
			for _, r := range rules {
				names = append(names, r.(object)["Name"].(string))
			}
			if !slices.Equal(names, tt.rules) {
				t.Fatalf("rules by priority %v, want %v", names, tt.rules)
			}
			for _, r := range rules {
				rule := r.(object)
				rate, ok := get(t, rule, "Statement").(object)["RateBasedStatement"].(object)
				if !ok {
					continue
				}
				block := get(t, rule, "Action", "Block", "CustomResponse").(object)
				header := get(t, block, "ResponseHeaders", 0).(object)
				if block["ResponseCode"] != 429.0 || header["Name"] != "Retry-After" || !reflect.DeepEqual(header["Value"], object{"Fn::Sub": "${WafRateWindowSeconds}"}) {
					t.Errorf("%s answers %v, want 429 with Retry-After the window", rule["Name"], block)
				}
				if _, ok := get(t, acl, "CustomResponseBodies").(object)[block["CustomResponseBodyKey"].(string)]; !ok {
					t.Errorf("%s names a response body the web ACL does not have", rule["Name"])
				}
				if !reflect.DeepEqual(rate["EvaluationWindowSec"], ref("WafRateWindowSeconds")) {
					t.Errorf("%s window %v", rule["Name"], rate["EvaluationWindowSec"])
				}
				switch rule["Name"] {
				case "rate-per-ip":
					scope := get(t, rate, "ScopeDownStatement", "ByteMatchStatement").(object)
					if rate["AggregateKeyType"] != "IP" || !reflect.DeepEqual(rate["Limit"], ref("WafRateLimitPerIp")) ||
						scope["PositionalConstraint"] != "CONTAINS" || !reflect.DeepEqual(scope["FieldToMatch"], object{"UriPath": object{}}) ||
						!reflect.DeepEqual(scope["SearchString"], object{"Fn::Select": []any{0.0, object{"Fn::Split": []any{"*", ref("DropPath")}}}}) {
						t.Errorf("rate-per-ip %v: want per IP, on the drop path", rate)
					}
				case "rate-per-client":
					key := get(t, rate, "CustomKeys", 0, "Header").(object)
					if rate["AggregateKeyType"] != "CUSTOM_KEYS" || !reflect.DeepEqual(rate["Limit"], ref("WafRateLimitPerClient")) ||
						key["Name"] != "authorization" || len(rate["CustomKeys"].([]any)) != 1 {
						t.Errorf("rate-per-client %v: want one custom key, the authorization header", rate)
					}
				}
			}
		})
	}
	for _, name := range []string{"WafRateLimitPerIp", "WafRateLimitPerClient"} {
		p := get(t, tmpl, "Parameters", name).(object)
		if p["Type"] != "Number" || p["MinValue"] != 10.0 || p["Default"].(float64) < 100 {
			t.Errorf("%s %v: want a Number of at least 10 (WAF's least), defaulting well above it", name, p)
		}
	}
	if got := get(t, tmpl, "Parameters", "WafRateWindowSeconds", "AllowedValues"); !reflect.DeepEqual(got, []any{60.0, 120.0, 300.0, 600.0}) {
		t.Errorf("WafRateWindowSeconds allows %v, want WAF's windows", got)
	}
}

// resolveIf returns v with every Fn::If resolved by conds, and AWS::NoValue left out.
func resolveIf(t *testing.T, v any, conds map[string]bool) any {
	t.Helper()
	noValue := func(x any) bool { return reflect.DeepEqual(x, ref("AWS::NoValue")) }
	switch v := v.(type) {
	case []any:
		var out []any
		for _, e := range v {
			if r := resolveIf(t, e, conds); !noValue(r) {
				out = append(out, r)
			}
		}
		return out
	case object:
		if arg, ok := v["Fn::If"].([]any); ok && len(v) == 1 {
			c, ok := conds[arg[0].(string)]
			if !ok {
				t.Fatalf("condition %v not evaluated", arg[0])
			}
			if c {
				return resolveIf(t, arg[1], conds)
			}
			return resolveIf(t, arg[2], conds)
		}
		out := object{}
		for k, e := range v {
			if r := resolveIf(t, e, conds); !noValue(r) {
				out[k] = r
			}
		}
		return out
	}
	return v
}

func TestOutputs(t *testing.T) {
	_, typed := load(t)
	for _, name := range []string{"DropUrl", "FunctionUrl", "BucketName"} {
		if _, ok := typed.Outputs[name]; !ok {
			t.Errorf("no output %s", name)
		}
	}
}

// TestDefaultsAreTheOriginals: a stack deployed with the defaults behaves as the original:
// the 10 KB limit, flat keys, and token parameters that also take rotation lists.
func TestDefaultsAreTheOriginals(t *testing.T) {
	tmpl, _ := load(t)
	for name, want := range map[string]any{"MaxBodyBytes": "10240", "KeyPrefix": "", "KeyDatePartition": "false"} {
		if got := get(t, tmpl, "Parameters", name, "Default"); got != want {
			t.Errorf("%s default %v, want %v", name, got, want)
		}
	}
	a, b := domain.TokenDigest("a"), domain.TokenDigest("b")
	for _, name := range []string{"AuthToken", "CdnToken"} {
		pattern := regexp.MustCompile(get(t, tmpl, "Parameters", name, "AllowedPattern").(string))
		for _, ok := range []string{a, a + "," + b, "alice:" + a + ", bob:" + b} {
			if !pattern.MatchString(ok) {
				t.Errorf("%s refuses %q", name, ok)
			}
		}
		for _, bad := range []string{"", a[:43], a + ",", "Alice:" + a, "not-a-token"} {
			if pattern.MatchString(bad) {
				t.Errorf("%s accepts %q", name, bad)
			}
		}
	}
}

// TestOtherPathsAnswer404: a request for any path but the drop path is answered 404 at the
// edge by a CloudFront Function, never sent to the blackhole origin, whose unresolvable name
// CloudFront answers with a 502: scanners probing / would then raise the distribution's
// 5xxErrorRate, and the cdn-5xx alarm would fire with no drop failing.
func TestOtherPathsAnswer404(t *testing.T) {
	_, typed := load(t)
	d, err := typed.GetCloudFrontDistributionWithName("Distribution")
	if err != nil {
		t.Fatal(err)
	}
	assocs := d.DistributionConfig.DefaultCacheBehavior.FunctionAssociations
	if len(assocs) != 1 || assocs[0].EventType == nil || *assocs[0].EventType != "viewer-request" {
		t.Fatalf("default behaviour's function associations %+v: want one viewer-request function", assocs)
	}
	fn, err := typed.GetCloudFrontFunctionWithName("NotFoundFunction")
	if err != nil {
		t.Fatal(err)
	}
	if fn.AutoPublish == nil || !*fn.AutoPublish || fn.FunctionConfig == nil || fn.FunctionConfig.Runtime != "cloudfront-js-2.0" {
		t.Errorf("function %+v: want it published, runtime cloudfront-js-2.0", fn)
	}
	if !regexp.MustCompile(`\bstatusCode:\s*404\b`).MatchString(fn.FunctionCode) || strings.Contains(fn.FunctionCode, "return event.request") {
		t.Errorf("function code %q: want it to answer 404 itself, never pass the request on", fn.FunctionCode)
	}
}

// statementActions returns an IAM statement's Action, one action or a list, as a list.
func statementActions(st object) []string {
	switch a := st["Action"].(type) {
	case string:
		return []string{a}
	case []any:
		acts := make([]string, 0, len(a))
		for _, x := range a {
			acts = append(acts, x.(string))
		}
		return acts
	}
	return nil
}
