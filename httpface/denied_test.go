package httpface_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/contract"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// TestStorageDenied: a record read the store denies is answered 500, without Retry-After
// (not a 503: the client must not retry as if storage were briefly away), with the core's
// message; the recorder writes the misconfiguration once per process at error level, and each
// request's line at warn.
func TestStorageDenied(t *testing.T) {
	err := &domain.Error{Code: domain.EStorageDenied, Message: "grant s3:GetObject", Err: fmt.Errorf("403: %w", ports.ErrDenied)}
	reply := httpface.ReplyTo(ports.DropResult{StoreTried: true}, err)
	if reply.Status != 500 || reply.Header["Retry-After"] != "" || reply.Body != "grant s3:GetObject" {
		t.Errorf("reply %+v, want 500 with the message and no Retry-After", reply)
	}
	if got := httpface.Outcome(ports.DropResult{}, err); got != contract.Unknown {
		t.Errorf("outcome %q, want %q", got, contract.Unknown)
	}

	var buf bytes.Buffer
	rec := httpface.NewRecorder(slog.New(slog.NewJSONHandler(&buf, nil)), "NS")
	for i := range 3 {
		rec.Record(context.Background(), fmt.Sprint(i), ports.DropResult{Client: "acme", StoreTried: true}, err, time.Millisecond)
	}
	levels := map[string]int{}
	for line := range bytes.Lines(buf.Bytes()) {
		var l map[string]any
		if err := json.Unmarshal(line, &l); err != nil {
			t.Fatal(err)
		}
		levels[fmt.Sprint(l["level"], " ", l["msg"])]++
		if l["msg"] != "drop" && l["fix"] == nil {
			t.Errorf("the error line says no fix: %s", line)
		}
	}
	var errorLines, dropLines int
	for k, n := range levels {
		switch {
		case k == "WARN drop":
			dropLines = n
		case k[:5] == "ERROR":
			errorLines += n
		default:
			t.Errorf("%d lines %q", n, k)
		}
	}
	if errorLines != 1 || dropLines != 3 {
		t.Errorf("lines %v: want 1 error line for the process and 3 request lines at warn", levels)
	}
}
