package httpface

import (
	"net/http"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/contract"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// TestEveryCodeHasTheOutcomeOfItsStatus: for every code of the status table, a code added
// later too, the outcome agrees with the status: a 4xx is refused, a 503 or 429 not stored,
// a 500 or 504 unknown.
func TestEveryCodeHasTheOutcomeOfItsStatus(t *testing.T) {
	for code, status := range statuses {
		want := contract.Refused
		switch status {
		case http.StatusServiceUnavailable, http.StatusTooManyRequests:
			want = contract.NotStored
		case http.StatusInternalServerError, http.StatusGatewayTimeout:
			want = contract.Unknown
		}
		if got := Outcome(ports.DropResult{}, domain.Errorf(code, "m")); got != want {
			t.Errorf("%s, answered %d: outcome %q, want %q", code, status, got, want)
		}
	}
}
