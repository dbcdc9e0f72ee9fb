package e2e

import (
	"strings"
	"testing"
)

// TestDropExpiryWarned: the server says at start, once, at warn, when DROP_EXPIRY shortens
// IDEMPOTENCY_TTL, and nothing when it does not (the lines before the first drop's are read).
func TestDropExpiryWarned(t *testing.T) {
	for _, tt := range []struct {
		expiry string
		warns  int
	}{
		{"1d", 1},
		{"30d", 0},
	} {
		t.Run(tt.expiry, func(t *testing.T) {
			dir := t.TempDir()
			p, _ := start(t, dir, fsEnv(dir, "IDEMPOTENCY_TTL=7d", "DROP_EXPIRY="+tt.expiry))
			if status, _ := dropWith(t, "http://"+logged(t, p, "addr")+"/v1/drop", "", ""); status != 202 {
				t.Fatalf("drop: %d, want 202", status)
			}
			waitFor(t, p.stdout.logged(`"path":"/v1/drop"`), "the drop's line")
			out := p.stdout.String()
			if got := strings.Count(out, `"level":"WARN"`); got != tt.warns {
				t.Fatalf("%d warnings, want %d:\n%s", got, tt.warns, out)
			}
			if tt.warns > 0 && !strings.Contains(out, `"key_ttl":"24h0m0s"`) {
				t.Errorf("the warning does not give the TTL that holds, 24h:\n%s", out)
			}
		})
	}
}
