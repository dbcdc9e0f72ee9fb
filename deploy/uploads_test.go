package deploy

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/domain"
)

// checkUploadsBehaviour checks the distribution's behaviour for /v1/uploads*, with uploads:
// every tus method, to the function URL, caching disabled, every viewer header but Host.
func checkUploadsBehaviour(t *testing.T, tmpl object) {
	t.Helper()
	behaviours := get(t, tmpl, "Resources", "Distribution", "Properties", "DistributionConfig", "CacheBehaviors").([]any)
	var uploads object
	for _, b := range behaviours {
		if f, ok := b.(object)["Fn::If"].([]any); ok && f[0] == "HasUploads" {
			uploads = f[1].(object)
		}
	}
	if uploads == nil {
		t.Fatal("no cache behaviour for the uploads under HasUploads")
	}
	methods := get(t, uploads, "AllowedMethods").([]any)
	for _, m := range []string{"POST", "HEAD", "PATCH", "DELETE", "OPTIONS"} {
		if !slices.Contains(methods, any(m)) {
			t.Errorf("the uploads' behaviour does not allow %s", m)
		}
	}
	if uploads["PathPattern"] != "/v1/uploads*" || uploads["TargetOriginId"] != "function-url" ||
		uploads["CachePolicyId"] != "4135ea2d-6df8-44a3-9df3-4b5a84be39ad" || uploads["OriginRequestPolicyId"] != "b689b0a8-53d0-40ab-baf2-68738e2966ac" {
		t.Errorf("the uploads' behaviour %v: want /v1/uploads* to the function URL, caching disabled, every viewer header but Host", uploads)
	}
}

// TestUploadsDeployed: with MaxUploadBytes (docs/uploads.md), CloudFront routes /v1/uploads*
// to the function, every method and header, uncached; the function gets MAX_UPLOAD_BYTES; the
// uploads' state lives among the idempotency records, whose lifecycle rule, conditional-write
// policy, read grant and absence from the drop queue cover it, and an upload lives as long as
// those records (UPLOAD_TTL is IdempotencyTtlDays); a lifecycle rule aborts abandoned
// multipart uploads once their upload has expired (IdempotencyTtlDays after they began); the
// role may abort one (a terminated upload's parts freed at once); Location's URL and CORS are
// the stack's parameters, off by default.
func TestUploadsDeployed(t *testing.T) {
	tmpl, _ := load(t)
	if got := get(t, tmpl, "Parameters", "MaxUploadBytes", "Default"); got != "0" {
		t.Errorf("MaxUploadBytes default %v, want 0 (no uploads, as the original)", got)
	}
	checkUploadsBehaviour(t, tmpl)
	if got := get(t, tmpl, "Resources", "Function", "Properties", "Environment", "Variables", "MAX_UPLOAD_BYTES"); !reflect.DeepEqual(got, ref("MaxUploadBytes")) {
		t.Errorf("MAX_UPLOAD_BYTES = %v, want the parameter", got)
	}
	if !strings.HasPrefix(domain.UploadPrefix, domain.RecordPrefix) {
		t.Errorf("the uploads' state (%s) is not among the idempotency records (%s), whose rules cover it", domain.UploadPrefix, domain.RecordPrefix)
	}
	abort := false
	for _, r := range get(t, tmpl, "Resources", "DropBucket", "Properties", "LifecycleConfiguration", "Rules").([]any) {
		if o, ok := r.(object); ok && o["Prefix"] == nil && o["AbortIncompleteMultipartUpload"] != nil {
			abort = reflect.DeepEqual(get(t, o, "AbortIncompleteMultipartUpload", "DaysAfterInitiation"), ref("IdempotencyTtlDays"))
		}
	}
	if !abort {
		t.Error("no lifecycle rule aborts the bucket's abandoned multipart uploads after IdempotencyTtlDays (the uploads' TTL in the stack)")
	}
	env := get(t, tmpl, "Resources", "Function", "Properties", "Environment", "Variables").(object)
	for name, want := range map[string]any{
		"UPLOAD_TTL":           object{"Fn::Sub": "${IdempotencyTtlDays}d"},
		"UPLOAD_PUBLIC_URL":    ref("UploadPublicUrl"),
		"CORS_ALLOWED_ORIGINS": ref("CorsAllowedOrigins"),
	} {
		if !reflect.DeepEqual(env[name], want) {
			t.Errorf("%s = %v, want %v", name, env[name], want)
		}
	}
	for _, p := range []string{"UploadPublicUrl", "CorsAllowedOrigins"} {
		if got := get(t, tmpl, "Parameters", p, "Default"); got != "" {
			t.Errorf("%s default %q, want empty (a path in Location; no CORS)", p, got)
		}
	}
	granted := false
	for _, p := range get(t, tmpl, "Resources", "FunctionRole", "Properties", "Policies").([]any) {
		for _, s := range get(t, p, "PolicyDocument", "Statement").([]any) {
			if slices.Contains(statementActions(s.(object)), "s3:AbortMultipartUpload") {
				granted = true
			}
		}
	}
	if !granted {
		t.Error("the role cannot abort a multipart upload: a terminated upload's parts would wait for the lifecycle rule")
	}
	keys := get(t, tmpl, "Resources", "DropRule", "Properties", "EventPattern", "detail", "object", "key")
	for _, key := range []string{domain.UploadPrefix + "0f8fad5b-d9cb-469f-a165-70867728950e", domain.UploadPrefix + "pending/ab/0-10-cd"} {
		if matches(t, keys, key) {
			t.Errorf("the upload's %q is announced as a drop", key)
		}
	}
}
