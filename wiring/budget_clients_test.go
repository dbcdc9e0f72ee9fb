package wiring_test

import (
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/wiring"
)

// TestBudgetHoldsTwoLargestBodies: with more than one AUTH_TOKEN entry, a MAX_INFLIGHT_BYTES
// that cannot hold two of the largest bodies is refused: one client's body, always admitted
// whole, left too little for another's largest drop (503 busy for as long as it arrived). With
// one entry, the budget need only exceed MAX_BODY_BYTES, as before.
func TestBudgetHoldsTwoLargestBodies(t *testing.T) {
	two := "alice:" + domain.TokenDigest("a") + ",bob:" + domain.TokenDigest("b")
	tests := []struct {
		auth, body, budget string
		refused            bool
	}{
		{two, "6291456", "8388608", true},
		{two, "6291456", "12582913", true},
		{two, "6291456", "12582914", false},
		{two, "6291456", "33554432", false},
		{authServer, "6291456", "8388608", false},
	}
	for _, tt := range tests {
		setValid(t)
		t.Setenv("AUTH_TOKEN", tt.auth)
		t.Setenv("MAX_BODY_BYTES", tt.body)
		t.Setenv("MAX_INFLIGHT_BYTES", tt.budget)
		_, err := wiring.LoadServer()
		refused := err != nil && strings.Contains(err.Error(), "MAX_INFLIGHT_BYTES: must hold two of the largest bodies")
		if refused != tt.refused || !tt.refused && err != nil {
			t.Errorf("%d entries, MAX_BODY_BYTES=%s, MAX_INFLIGHT_BYTES=%s: %v; want refused %v", strings.Count(tt.auth, ",")+1, tt.body, tt.budget, err, tt.refused)
		}
	}
}
