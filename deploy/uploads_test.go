package deploy

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/domain"
)

// TestUploadsDeployed: with MaxUploadBytes (docs/uploads.md), CloudFront routes /v1/uploads*
// to the function, every method and header, uncached; the function gets MAX_UPLOAD_BYTES; the
// uploads' state lives among the idempotency records, whose lifecycle rule, conditional-write
// policy, read grant and absence from the drop queue cover it; a lifecycle rule aborts
// abandoned multipart uploads after a day, the uploads' TTL in the stack.
func TestUploadsDeployed(t *testing.T) {
	tmpl, _ := load(t)
	if got := get(t, tmpl, "Parameters", "MaxUploadBytes", "Default"); got != "0" {
		t.Errorf("MaxUploadBytes default %v, want 0 (no uploads, as the original)", got)
	}
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
	if got := get(t, tmpl, "Resources", "Function", "Properties", "Environment", "Variables", "MAX_UPLOAD_BYTES"); !reflect.DeepEqual(got, ref("MaxUploadBytes")) {
		t.Errorf("MAX_UPLOAD_BYTES = %v, want the parameter", got)
	}
	if !strings.HasPrefix(domain.UploadPrefix, domain.RecordPrefix) {
		t.Errorf("the uploads' state (%s) is not among the idempotency records (%s), whose rules cover it", domain.UploadPrefix, domain.RecordPrefix)
	}
	abort := false
	for _, r := range get(t, tmpl, "Resources", "DropBucket", "Properties", "LifecycleConfiguration", "Rules").([]any) {
		if o, ok := r.(object); ok && o["Prefix"] == nil && o["AbortIncompleteMultipartUpload"] != nil {
			abort = get(t, o, "AbortIncompleteMultipartUpload", "DaysAfterInitiation") == 1.0
		}
	}
	if !abort {
		t.Error("no lifecycle rule aborts the bucket's abandoned multipart uploads after a day (the uploads' TTL in the stack: 24h)")
	}
	keys := get(t, tmpl, "Resources", "DropRule", "Properties", "EventPattern", "detail", "object", "key")
	for _, key := range []string{domain.UploadPrefix + "0f8fad5b-d9cb-469f-a165-70867728950e", domain.UploadPrefix + "pending/ab/0-10-cd"} {
		if matches(t, keys, key) {
			t.Errorf("the upload's %q is announced as a drop", key)
		}
	}
}
