package deploy

import (
	"strconv"
	"testing"
)

// TestExpireAfterDaysWholeDays: the template accepts exactly the ExpireAfterDays values that
// its rule and the lifecycle rule read alike: 0 (no expiry), or whole days written plainly. A
// value such as 0.0 or 00 would be "no expiry" to a person and an expiry to the rule (it is
// not "0"), and 1.5 a lifecycle rule S3 refuses, failing the stack after its rules passed.
func TestExpireAfterDaysWholeDays(t *testing.T) {
	tmpl, _ := load(t)
	for _, v := range []string{"0", "1", "7", "30", "365", "3650", "99999",
		"", "00", "0.0", "-0", "07", "1.5", "1e3", "-1", " 7", "7 ", "+7", "100000"} {
		n, err := strconv.Atoi(v)
		want := err == nil && n >= 0 && n < 100000 && strconv.Itoa(n) == v
		if got := allowed(t, tmpl, "ExpireAfterDays", v); got != want {
			t.Errorf("ExpireAfterDays=%q accepted %v, want %v", v, got, want)
		}
	}
}
