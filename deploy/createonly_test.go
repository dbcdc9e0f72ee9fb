package deploy

import (
	"net/http"
	"strings"
	"testing"
)

// TestDropsCreateOnly: the bucket policy makes S3 refuse every write that could replace a
// drop, whoever sends it (PutObject or CompleteMultipartUpload without If-None-Match,
// CopyObject), lets the multipart steps that cannot carry the header through, and lets the
// service's own writes through: drops and records created with If-None-Match: *, records
// replaced with If-Match. A record written with neither is refused too.
func TestDropsCreateOnly(t *testing.T) {
	tmpl, _ := load(t)
	const bucket = "drops"
	doc := get(t, tmpl, "Resources", "DropBucketPolicy", "Properties", "PolicyDocument")
	for _, prefix := range []string{"", "in/"} {
		sts := templateStatements(t, doc, bucket, prefix)
		drop := "/" + bucket + "/" + prefix + "2026-12-01T09:30:00.000000-0f8fad5b-d9cb-469f-a165-70867728950e"
		record := "/" + bucket + "/.idempotency/" + strings.Repeat("ab", 32)
		tests := []struct {
			name, method, path string
			header             map[string]string
			denied             bool
		}{
			{"the service creates a drop", "PUT", drop, map[string]string{"If-None-Match": "*"}, false},
			{"the service creates a record", "PUT", record, map[string]string{"If-None-Match": "*"}, false},
			{"the service replaces an expired record", "PUT", record, map[string]string{"If-Match": `"etag"`}, false},
			{"a drop written unconditionally", "PUT", drop, nil, true},
			{"a drop replaced with If-Match", "PUT", drop, map[string]string{"If-Match": `"etag"`}, true},
			{"a record written unconditionally", "PUT", record, nil, true},
			{"a drop copied in", "PUT", drop, map[string]string{"X-Amz-Copy-Source": "/other/k"}, true},
			{"CreateMultipartUpload", "POST", drop + "?uploads", nil, false},
			{"UploadPart", "PUT", drop + "?partNumber=1&uploadId=u", nil, false},
			{"UploadPartCopy", "PUT", drop + "?partNumber=1&uploadId=u", map[string]string{"X-Amz-Copy-Source": "/other/k"}, false},
			{"CompleteMultipartUpload with If-None-Match", "POST", drop + "?uploadId=u", map[string]string{"If-None-Match": "*"}, false},
			{"CompleteMultipartUpload without it", "POST", drop + "?uploadId=u", nil, true},
			{"GetObject of a record", "GET", record, nil, false},
			{"ListObjectsV2", "GET", "/" + bucket + "?list-type=2", nil, false},
		}
		for _, tt := range tests {
			r, err := http.NewRequest(tt.method, "http://s3.test"+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			if got := denies(t, sts, requestOf(r)); got != tt.denied {
				t.Errorf("KeyPrefix %q, %s: denied %v, want %v", prefix, tt.name, got, tt.denied)
			}
		}
	}
}
