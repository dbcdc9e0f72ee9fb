package httpface_test

import (
	"net/http"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/contract"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// TestOutcomeOfEachCode: each error code's outcome, and the status it is answered with, agree
// with docs/api.md's table of outcomes.
func TestOutcomeOfEachCode(t *testing.T) {
	tests := []struct {
		code   string
		want   contract.Outcome
		status int
	}{
		{domain.EUnauthorizedCDN, contract.Refused, 401},
		{domain.EUnauthorizedAuth, contract.Refused, 401},
		{domain.EMethod, contract.Refused, 405},
		{domain.ELengthRequired, contract.Refused, 411},
		{domain.EBadLength, contract.Refused, 400},
		{domain.ETooLarge, contract.Refused, 413},
		{domain.ENoBody, contract.Refused, 400},
		{domain.EBadBase64, contract.Refused, 400},
		{domain.EBadBody, contract.Refused, 400},
		{domain.ESlowBody, contract.Refused, 408},
		{domain.EClientGone, contract.Refused, 499},
		{domain.EBadContentType, contract.Refused, 400},
		{domain.EBadDigest, contract.Refused, 400},
		{domain.EBadIdempotencyKey, contract.Refused, 400},
		{domain.EIdempotencyReused, contract.Refused, 422},
		{domain.ENotFound, contract.Refused, 404},
		{domain.EStorage, contract.NotStored, 503},
		{domain.EBusy, contract.NotStored, 503},
		{domain.EStorageUnknown, contract.Unknown, 504},
		{domain.EStorageDenied, contract.Unknown, 500},
		{domain.EInternal, contract.Unknown, 500},
	}
	for _, tt := range tests {
		err := domain.Errorf(tt.code, "m")
		if got := httpface.Outcome(ports.DropResult{}, err); got != tt.want {
			t.Errorf("%s: outcome %q, want %q", tt.code, got, tt.want)
		}
		if got := httpface.Status(tt.code); got != tt.status {
			t.Errorf("%s: status %d, want %d", tt.code, got, tt.status)
		}
	}
	for _, tt := range []struct {
		res  ports.DropResult
		want contract.Outcome
	}{
		{ports.DropResult{Key: "k"}, contract.Stored},
		{ports.DropResult{Replayed: true}, contract.Replayed},
	} {
		if got := httpface.Outcome(tt.res, nil); got != tt.want {
			t.Errorf("%+v: outcome %q, want %q", tt.res, got, tt.want)
		}
		if got := httpface.ReplyTo(tt.res, nil).Status; got != http.StatusAccepted {
			t.Errorf("%+v: status %d, want 202", tt.res, got)
		}
	}
}
