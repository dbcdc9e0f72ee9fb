package deploy

import (
	"strings"
	"testing"
)

// TestThrottlesAlarmSays429: a throttled invocation is answered 429 by the Function URL, which
// CloudFront passes on (the ReservedConcurrency parameter and the CloudFront alarm say so); the
// throttles alarm, which an operator reads when it fires, says the same.
func TestThrottlesAlarmSays429(t *testing.T) {
	tmpl, _ := load(t)
	for _, path := range [][]any{
		{"Resources", "FunctionThrottlesAlarm", "Properties", "AlarmDescription"},
		{"Parameters", "ReservedConcurrency", "Description"},
	} {
		desc := get(t, tmpl, path...).(string)
		if !strings.Contains(desc, "429") || strings.Contains(desc, "5xx") {
			t.Errorf("%v: %q; want it to say 429, not 5xx", path, desc)
		}
	}
}
