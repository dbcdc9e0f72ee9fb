package deploy

import (
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/domain"
)

// TestRateLimitRules: rate limits make a web ACL, so they need the stack in us-east-1 and
// exclude a web ACL of one's own, as the allow-list does; refused before any resource with a
// message that says what to do.
func TestRateLimitRules(t *testing.T) {
	tmpl, _ := load(t)
	const arn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/1"
	tests := []struct {
		name, region, arn string
		cidrs             []any
		want              string // "" when accepted
	}{
		{"rate limits in us-east-1", "us-east-1", "", []any{""}, ""},
		{"rate limits and an allow-list in us-east-1", "us-east-1", "", []any{"192.0.2.0/24"}, ""},
		{"rate limits in eu-west-1", "eu-west-1", "", []any{""}, "Deploy this stack in us-east-1"},
		{"rate limits and an own web ACL", "us-east-1", arn, []any{""}, "not both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := refused(t, tmpl, map[string]any{"AWS::Region": tt.region, "WafAllowedCidrs": tt.cidrs, "WafRateLimits": "true",
				"WebAclArn": tt.arn, "AuthToken": domain.TokenDigest("a"), "CdnToken": domain.TokenDigest("c"), "AlarmEmail": "", "Monitoring": "true",
				"ExpireAfterDays": "0", "KeyPrefix": ""})
			switch {
			case tt.want == "" && len(got) != 0:
				t.Errorf("refused: %q", got)
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
				t.Errorf("refusals %q, want one saying %q", got, tt.want)
			}
		})
	}
}
