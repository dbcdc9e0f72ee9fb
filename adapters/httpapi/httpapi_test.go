package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpapi"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

func TestStatus(t *testing.T) {
	tests := []struct {
		code string
		want int
	}{
		{ports.EUnauthorizedCDN, 401}, {ports.EUnauthorizedAuth, 401}, {ports.EMethod, 405},
		{ports.ELengthRequired, 411}, {ports.EBadLength, 400}, {ports.ETooLarge, 413},
		{ports.ENoBody, 400}, {ports.EBadBase64, 400}, {ports.EBadBody, 400},
		{ports.EStorage, 503}, {ports.EConflict, 409}, {ports.EInternal, 500}, {"unknown", 500},
	}
	for _, tt := range tests {
		if got := httpapi.Status(tt.code); got != tt.want {
			t.Errorf("Status(%q) = %d, want %d", tt.code, got, tt.want)
		}
	}
}

func TestReplyTo(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		body   string
		header map[string]string
	}{
		{"stored", nil, 202, "", map[string]string{"Content-Type": "text/plain"}},
		{"unauthorized", ports.Errorf(ports.EUnauthorizedAuth, "m"), 401, "m", map[string]string{"Www-Authenticate": "Bearer"}},
		{"method", ports.Errorf(ports.EMethod, "m"), 405, "m", map[string]string{"Allow": "POST"}},
		{"internal detail hidden", errors.New("db password=x"), 500, "Internal error", map[string]string{"Content-Type": "text/plain; charset=utf-8"}},
	}
	for _, tt := range tests {
		got := httpapi.ReplyTo(tt.err)
		if got.Status != tt.status || got.Body != tt.body {
			t.Errorf("%s: got %d %q, want %d %q", tt.name, got.Status, got.Body, tt.status, tt.body)
		}
		for k, v := range tt.header {
			if got.Header[k] != v {
				t.Errorf("%s: header %s = %q, want %q", tt.name, k, got.Header[k], v)
			}
		}
	}
}

func TestLogDrop(t *testing.T) {
	tests := []struct {
		name  string
		res   ports.DropResult
		err   error
		level string
		want  map[string]any
	}{
		{"stored", ports.DropResult{Key: "k1", Size: 5}, nil, "INFO",
			map[string]any{"outcome": "stored", "status": 202.0, "key": "k1", "bytes": 5.0}},
		{"rejected", ports.DropResult{}, ports.Errorf(ports.ETooLarge, "too big"), "INFO",
			map[string]any{"outcome": "rejected", "status": 413.0, "reason": "too_large"}},
		{"failed", ports.DropResult{}, &ports.Error{Code: ports.EStorage, Message: "m", Err: errors.New("SlowDown")}, "ERROR",
			map[string]any{"outcome": "failed", "status": 503.0, "reason": "storage", "error": "storage: m: SlowDown"}},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		httpapi.LogDrop(context.Background(), slog.New(slog.NewJSONHandler(&buf, nil)), "req-1", tt.res, tt.err, 1500*time.Microsecond)
		var got map[string]any
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatalf("%s: log line %q is not JSON: %v", tt.name, buf.String(), err)
		}
		tt.want["request_id"], tt.want["level"], tt.want["duration_ms"] = "req-1", tt.level, 1.5
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("%s: %s = %v, want %v (line %s)", tt.name, k, got[k], v, buf.String())
			}
		}
	}
}
