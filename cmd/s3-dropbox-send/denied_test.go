package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/contract"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/mocks"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// TestStorageDeniedReport: a service whose store denies reading its idempotency records (a
// role without s3:GetObject on them, as the original's) stores the first keyed drop; its
// resend is answered 500, which the command does not retry and reports as the service's
// misconfiguration that may have stored the payload, never "not stored", with the service's
// message naming the permission.
func TestStorageDeniedReport(t *testing.T) {
	mem := memstore.New()
	store := &mocks.ObjectStoreMock{
		CreateFunc:  mem.Create,
		ReplaceFunc: mem.Replace,
		GetFunc: func(context.Context, string) (ports.Object, error) {
			return ports.Object{}, fmt.Errorf("injected 403 AccessDenied: %w", ports.ErrDenied)
		},
	}
	srv := httptest.NewServer(httpserver.NewHandler(facetest.Core(t, store), httpface.NewRecorder(slog.New(slog.DiscardHandler), "")))
	t.Cleanup(srv.Close)
	url := srv.URL + "/v1/drop"

	if o := sendCmd(t, nil, "payload", "-url", url, "-H", cdnHeader, "-idempotency-key", "k-1", "-"); o.code != exitStored {
		t.Fatalf("first keyed drop: exit %d, %q; want it stored (its claim reads nothing)", o.code, o.stdout)
	}
	o := sendCmd(t, nil, "payload", "-url", url, "-H", cdnHeader, "-idempotency-key", "k-1", "-json", "-")
	rs := o.results(t)
	if o.code != exitUnknown || len(rs) != 1 || rs[0].Outcome != contract.Unknown || rs[0].Status != 500 || rs[0].Attempts != 1 {
		t.Fatalf("resend: exit %d, %+v; want 2, failed 500 after one attempt, not said not stored", o.code, rs)
	}
	o = sendCmd(t, nil, "payload", "-url", url, "-H", cdnHeader, "-idempotency-key", "k-1", "-")
	for _, want := range []string{"the service failed", "misconfiguration", "may or may not be stored", "s3:GetObject", "s3:ListBucket"} {
		if !strings.Contains(o.stdout, want) {
			t.Errorf("report %q does not say %q", o.stdout, want)
		}
	}
	if strings.Contains(o.stdout, "not stored after") {
		t.Errorf("report %q says not stored", o.stdout)
	}
	if got := len(mem.Keys()); got != 2 {
		t.Errorf("%d objects, want 2: the first drop and its record", got)
	}
}
