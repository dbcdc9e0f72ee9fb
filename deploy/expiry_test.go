package deploy

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// TestExpiryKeepsRecords: no configuration can expire an idempotency record before its TTL.
// The drops' expiry covers the keys under KeyPrefix only, a rule refuses ExpireAfterDays
// without a KeyPrefix, and no KeyPrefix the template accepts is a prefix of a record's key;
// every drop's key is under it.
func TestExpiryKeepsRecords(t *testing.T) {
	tmpl, _ := load(t)
	rule := get(t, tmpl, "Resources", "DropBucket", "Properties", "LifecycleConfiguration", "Rules", 1, "Fn::If", 1).(object)
	if rule["Id"] != "expire-drops" || !reflect.DeepEqual(rule["Prefix"], ref("KeyPrefix")) || rule["Filter"] != nil {
		t.Errorf("the drops' lifecycle rule %v: want it scoped to Prefix: KeyPrefix", rule)
	}
	tests := []struct {
		expire string
		prefix string
		want   string // "" when accepted
	}{
		{"0", "", ""},
		{"0", "drops/", ""},
		{"7", "drops/", ""},
		{"1", "a", ""},
		{"7", "", "Set a KeyPrefix"},
		{"365", "", "Set a KeyPrefix"},
	}
	auth, cdn := domain.TokenDigest("a"), domain.TokenDigest("c")
	for _, tt := range tests {
		got := refused(t, tmpl, map[string]any{"AWS::Region": "eu-west-1", "WafAllowedCidrs": []any{""}, "WafRateLimits": "false",
			"WebAclArn": "", "AuthToken": auth, "CdnToken": cdn, "AlarmEmail": "", "Monitoring": "true",
			"ExpireAfterDays": tt.expire, "KeyPrefix": tt.prefix})
		switch {
		case tt.want == "" && len(got) != 0:
			t.Errorf("ExpireAfterDays=%v KeyPrefix=%q refused: %q", tt.expire, tt.prefix, got)
		case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
			t.Errorf("ExpireAfterDays=%v KeyPrefix=%q: refusals %q, want one saying %q", tt.expire, tt.prefix, got, tt.want)
		}
	}
	record := domain.RecordPrefix + strings.Repeat("ab", 32)
	for _, prefix := range []string{"drops/", "d", "x.y/", "team-a/in.box/", "drop-", "=", "(", "_", "a=b/c(1)/", ".idempotency/", ".", "./", ".i"} {
		if !allowed(t, tmpl, "KeyPrefix", prefix) {
			if !strings.HasPrefix(prefix, ".") {
				t.Errorf("KeyPrefix %q refused: a sample this test means to be accepted", prefix)
			}
			continue
		}
		if strings.HasPrefix(record, prefix) {
			t.Errorf("KeyPrefix %q is accepted, and its expiry would reach the records", prefix)
		}
		for _, partition := range []bool{false, true} {
			core, store := facetest.MemCore(t, func(cfg *domain.Config) { cfg.KeyPrefix, cfg.DatePartition = prefix, partition })
			res, err := core.Drop(context.Background(), ports.DropRequest{Method: "POST", Body: porttest.Body("x"), Header: porttest.Header{
				"authorization": "Bearer " + facetest.AuthToken, facetest.CDNHeader: "Bearer " + facetest.CDNToken, "content-length": "1",
			}})
			if err != nil || !strings.HasPrefix(res.Key, prefix) || len(store.Keys()) != 1 {
				t.Errorf("KeyPrefix %q, partition %v: stored %q (%v), want it under the prefix", prefix, partition, res.Key, err)
			}
		}
	}
}
