package httpserver

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestRateRetryAfterBounded: however slow a client's rate, the Retry-After it is told once its
// burst is spent is a positive number of seconds no shorter than its wait (at most 2^31−1, some
// 68 years), said as such in the message; a rate of 1e-300 a second gave -9223372036854775808.
func TestRateRetryAfterBounded(t *testing.T) {
	tests := []struct {
		rate float64
		want int
	}{
		{0.5, 2},
		{1e-6, 1_000_000},
		{1e-300, 1<<31 - 1},
	}
	for _, tt := range tests {
		f := &fairShares{rates: map[string]Rate{"alice": {PerSecond: tt.rate, Burst: 1}}, now: func() time.Time { return time.Unix(0, 0) }}
		if _, _, err := f.admit("alice"); err != nil {
			t.Fatalf("rate %g: the burst's drop: %v", tt.rate, err)
		}
		_, _, err := f.admit("alice")
		var tm tooMany
		if !errors.As(err, &tm) {
			t.Fatalf("rate %g: %v; want a refusal", tt.rate, err)
		}
		if got := tm.RetryAfter(); got != tt.want || strings.Contains(err.Error(), "after -") {
			t.Errorf("rate %g: Retry-After %d (%v); want %d", tt.rate, got, err, tt.want)
		}
	}
}
