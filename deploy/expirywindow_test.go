package deploy

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/domain"
)

// TestExpiredDropStoredAgain: the drops' expiry never reaches a record, but it reaches the
// drop: a retry with the same Idempotency-Key after its drop expired, its record still held,
// writes the payload again under the record's key, answered 202 as stored (not replayed), a
// second "Object Created" for consumers. So an Idempotency-Key holds no longer than
// ExpireAfterDays, and the template says so where the operator sets it.
func TestExpiredDropStoredAgain(t *testing.T) {
	tmpl, _ := load(t)
	desc := get(t, tmpl, "Parameters", "ExpireAfterDays", "Description").(string)
	for _, want := range []string{"IdempotencyTtlDays", "stored again"} {
		if !strings.Contains(desc, want) {
			t.Errorf("ExpireAfterDays's description %q does not say %q: a shorter expiry shortens what an Idempotency-Key holds", desc, want)
		}
	}

	rig := newRoleRig(t,
		func(bucket string) []statement { return roleS3Statements(t, tmpl, bucket, "") },
		func(bucket string) []statement {
			return templateStatements(t, get(t, tmpl, "Resources", "DropBucketPolicy", "Properties", "PolicyDocument"), bucket, "")
		})
	if got := rig.post(t, "k-1", "daily"); got.status != 202 || got.replayed {
		t.Fatalf("first drop: %+v, want 202 stored", got)
	}
	var drop string
	for _, k := range miniotest.Keys(t, rig.root, rig.bucket) {
		if !strings.HasPrefix(k, domain.RecordPrefix) {
			drop = k
		}
	}
	if got := rig.post(t, "k-1", "daily"); got.status != 202 || !got.replayed {
		t.Fatalf("its retry: %+v, want 202 replayed", got)
	}
	// The lifecycle rule of the drops removes it; its record stays until IdempotencyTtlDays.
	if _, err := rig.root.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(rig.bucket), Key: aws.String(drop)}); err != nil {
		t.Fatal(err)
	}
	if got := rig.post(t, "k-1", "daily"); got.status != 202 || got.replayed {
		t.Errorf("a retry after the drop expired: %+v, want 202 stored again (what the docs say)", got)
	}
	if got := rig.payloads(t); len(got) != 1 || got[0] != "daily" {
		t.Errorf("payloads %q, want the drop again", got)
	}
}
