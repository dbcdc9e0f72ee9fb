package s3store_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestGetDeniedNamesKMSDecrypt: a GetObject 403 AccessDenied is also S3's answer to a role
// that may read the key but not decrypt it (SSE-KMS without kms:Decrypt on the key), so the
// error names that grant as well as the S3 ones.
func TestGetDeniedNamesKMSDecrypt(t *testing.T) {
	store, _, _ := fakeS3(t, http.StatusForbidden, "AccessDenied")
	_, err := store.Get(context.Background(), ".idempotency/k")
	if err == nil || !strings.Contains(err.Error(), "kms:Decrypt") {
		t.Errorf("%v: does not name kms:Decrypt", err)
	}
}
