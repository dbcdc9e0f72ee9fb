package domain_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// errDenied is a read refused for lack of permission, as the S3 store reports a 403.
var errDenied = fmt.Errorf("injected 403 AccessDenied: %w", ports.ErrDenied)

// TestIdempotencyReadDenied: a record read the store denies is storage_denied, never "not
// found" (which would claim again) nor a 503 (which clients retry as if storage were briefly
// away): the message names the permission, says that an earlier attempt may have stored the
// payload, and nothing is written after the denied read. The first keyed drop, whose claim
// is a create-only write and reads nothing, is stored.
func TestIdempotencyReadDenied(t *testing.T) {
	store, mem := faultyStore(fault{op: opGet, err: errDenied, times: 1 << 30})
	s := idemService(t, store, porttest.NewClock(time.Now()))
	if _, err := s.Drop(context.Background(), idemRequest("hello")); err != nil {
		t.Fatalf("first keyed drop: %v, want it stored (its claim reads nothing)", err)
	}
	writes := len(store.CreateCalls()) + len(store.ReplaceCalls())
	_, err := s.Drop(context.Background(), idemRequest("hello"))
	if got := domain.ErrorCode(err); got != domain.EStorageDenied {
		t.Fatalf("retry with the read denied: %v (code %q), want %q", err, got, domain.EStorageDenied)
	}
	if !errors.Is(err, ports.ErrDenied) {
		t.Errorf("the error %v does not keep its cause", err)
	}
	msg := domain.ErrorMessage(err)
	for _, want := range []string{"s3:GetObject", domain.RecordPrefix + "*", "s3:ListBucket", "may have", "misconfiguration"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "unavailable") || strings.Contains(msg, "retry later") {
		t.Errorf("message %q says storage is briefly away", msg)
	}
	if got := len(store.CreateCalls()) + len(store.ReplaceCalls()) - writes; got != 1 {
		t.Errorf("%d writes for the retry, want 1 (its claim, refused as taken); nothing after the denied read", got)
	}
	if got := len(store.GetCalls()); got != 1 {
		t.Errorf("%d reads, want 1: a denial is not retried inside", got)
	}
	if got := payloads(mem); len(got) != 1 || got[0] != "hello" {
		t.Errorf("stored %q, want the first drop once", got)
	}
}
