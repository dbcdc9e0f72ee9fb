package deploy

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/domain"
)

// TestUploadsDeployed: with MaxUploadBytes (docs/uploads.md), CloudFront routes /v1/uploads*
// to the function, every method and header, uncached; the function gets the upload settings;
// lifecycle rules expire the uploads' state and abort abandoned multipart uploads after
// UPLOAD_TTL; the bucket policy lets the state be written only conditionally; no upload's
// state reaches the drop queue.
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

	vars := get(t, tmpl, "Resources", "Function", "Properties", "Environment", "Variables").(object)
	for name, want := range map[string]any{
		"MAX_UPLOAD_BYTES":     ref("MaxUploadBytes"),
		"UPLOAD_TTL":           object{"Fn::Sub": "${UploadTtlDays}d"},
		"CORS_ALLOWED_ORIGINS": ref("CorsAllowedOrigins"),
		"UPLOAD_PUBLIC_URL":    ref("UploadPublicUrl"),
	} {
		if !reflect.DeepEqual(vars[name], want) {
			t.Errorf("%s = %v, want %v", name, vars[name], want)
		}
	}

	rules := get(t, tmpl, "Resources", "DropBucket", "Properties", "LifecycleConfiguration", "Rules").([]any)
	found := map[string]bool{}
	for _, r := range rules {
		o, ok := r.(object)
		if !ok {
			continue
		}
		switch o["Id"] {
		case "expire-upload-state":
			found["state"] = o["Prefix"] == domain.UploadPrefix && reflect.DeepEqual(o["ExpirationInDays"], ref("UploadTtlDays"))
		case "abort-abandoned-uploads":
			found["abort"] = reflect.DeepEqual(get(t, o, "AbortIncompleteMultipartUpload", "DaysAfterInitiation"), ref("UploadTtlDays")) && o["Prefix"] == nil
		}
	}
	if !found["state"] || !found["abort"] {
		t.Errorf("lifecycle rules %v: want the uploads' state expired and abandoned multipart uploads aborted after UploadTtlDays", rules)
	}

	const bucket = "drops"
	sts := templateStatements(t, get(t, tmpl, "Resources", "DropBucketPolicy", "Properties", "PolicyDocument"), bucket, "")
	state := "/" + bucket + "/" + domain.UploadPrefix + "0f8fad5b-d9cb-469f-a165-70867728950e"
	for _, tt := range []struct {
		name   string
		header map[string]string
		denied bool
	}{
		{"an upload's state created", map[string]string{"If-None-Match": "*"}, false},
		{"an upload's state changed under its lock", map[string]string{"If-Match": `"etag"`}, false},
		{"an upload's state written unconditionally", nil, true},
	} {
		r, _ := http.NewRequest("PUT", "http://s3.test"+state, nil)
		for k, v := range tt.header {
			r.Header.Set(k, v)
		}
		if got := denies(t, sts, requestOf(r)); got != tt.denied {
			t.Errorf("%s: denied %v, want %v", tt.name, got, tt.denied)
		}
	}

	keys := get(t, tmpl, "Resources", "DropRule", "Properties", "EventPattern", "detail", "object", "key")
	for _, key := range []string{strings.TrimPrefix(state, "/"+bucket+"/"), domain.UploadPrefix + "pending/ab/0-10-cd"} {
		if matches(t, keys, key) {
			t.Errorf("the upload's %q is announced as a drop", key)
		}
	}
}
