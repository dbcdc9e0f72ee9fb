package httpface_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

func TestStatus(t *testing.T) {
	tests := []struct {
		code string
		want int
	}{
		{domain.EUnauthorizedCDN, 401}, {domain.EUnauthorizedAuth, 401}, {domain.EMethod, 405},
		{domain.ELengthRequired, 411}, {domain.EBadLength, 400}, {domain.ETooLarge, 413},
		{domain.ENoBody, 400}, {domain.EBadBase64, 400}, {domain.EBadBody, 400}, {domain.EBadDigest, 400},
		{domain.EStorage, 503}, {domain.EStorageUnknown, 504}, {domain.EInternal, 500}, {"unknown", 500},
		{domain.EBadIdempotencyKey, 400}, {domain.EIdempotencyReused, 422},
		{domain.ESlowBody, 408}, {domain.EClientGone, 499}, {domain.EBadContentType, 400},
		{domain.EStorageDenied, 500},
	}
	for _, tt := range tests {
		if got := httpface.Status(tt.code); got != tt.want {
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
		{"unauthorized", domain.Errorf(domain.EUnauthorizedAuth, "m"), 401, "m", map[string]string{"Www-Authenticate": "Bearer"}},
		{"method", domain.Errorf(domain.EMethod, "m"), 405, "m", map[string]string{"Allow": "POST"}},
		{"internal detail hidden", errors.New("db password=x"), 500, "Internal error", map[string]string{"Content-Type": "text/plain; charset=utf-8"}},
		{"not stored", domain.Errorf(domain.EStorage, "m"), 503, "m", map[string]string{"Retry-After": httpface.RetryAfter}},
		{"outcome unknown", domain.Errorf(domain.EStorageUnknown, "m"), 504, "m", map[string]string{"Retry-After": httpface.RetryAfter}},
	}
	for _, tt := range tests {
		got := httpface.ReplyTo(ports.DropResult{}, tt.err)
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

func TestRecorder(t *testing.T) {
	tests := []struct {
		name  string
		res   ports.DropResult
		err   error
		level string
		want  map[string]any
		dims  int // dimension sets of the metrics
	}{
		{"stored", ports.DropResult{Key: "k1", Size: 5, Client: "alice", StoreTried: true, StoreDuration: 2500 * time.Microsecond}, nil, "INFO",
			map[string]any{"outcome": "stored", "status": 202.0, "key": "k1", "bytes": 5.0, "client": "alice",
				"storage_ms": 2.5, "Drops": 1.0, "PayloadBytes": 5.0, "StorageLatency": 2.5}, 1},
		{"refused", ports.DropResult{Client: "alice"}, domain.Errorf(domain.ETooLarge, "too big"), "WARN",
			map[string]any{"outcome": "refused", "status": 413.0, "reason": "too_large", "client": "alice", "Drops": 1.0}, 2},
		{"not stored", ports.DropResult{Size: 3, StoreTried: true, StoreDuration: time.Millisecond}, &domain.Error{Code: domain.EStorage, Message: "m", Err: errors.New("SlowDown")}, "ERROR",
			map[string]any{"outcome": "not_stored", "status": 503.0, "reason": "storage", "error": "storage: m: SlowDown", "StorageLatency": 1.0}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			rec := httpface.Recorder{Log: slog.New(slog.NewJSONHandler(&buf, nil)), Namespace: "NS"}
			rec.Record(context.Background(), "req-1", tt.res, tt.err, 1500*time.Microsecond)
			var got map[string]any
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
				t.Fatalf("log line %q is not JSON: %v", buf.String(), err)
			}
			tt.want["request_id"], tt.want["level"], tt.want["duration_ms"], tt.want["msg"] = "req-1", tt.level, 1.5, "drop"
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v (line %s)", k, got[k], v, buf.String())
				}
			}
			facetest.CheckEMF(t, got, "NS")
			dims := got["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)["Dimensions"].([]any)
			if len(dims) != tt.dims {
				t.Errorf("dimension sets %v, want %d", dims, tt.dims)
			}
			if _, ok := got["key"]; ok != (tt.err == nil) {
				t.Errorf("key present %v, want it only when stored", ok)
			}
		})
	}
}

// TestRecorderWithoutMetrics: no namespace, no _aws and no metric fields; and the level
// filters the line.
func TestRecorderWithoutMetrics(t *testing.T) {
	var buf bytes.Buffer
	rec := httpface.Recorder{Log: slog.New(slog.NewJSONHandler(&buf, nil))}
	rec.Record(context.Background(), "r", ports.DropResult{Key: "k", Size: 1}, nil, time.Millisecond)
	for _, k := range []string{"_aws", "Drops", "PayloadBytes"} {
		if bytes.Contains(buf.Bytes(), []byte(`"`+k+`"`)) {
			t.Errorf("line without a namespace holds %s: %s", k, buf.String())
		}
	}
	buf.Reset()
	quiet := httpface.Recorder{Log: slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelError}))}
	quiet.Record(context.Background(), "r", ports.DropResult{Key: "k", Size: 1}, nil, time.Millisecond)
	if buf.Len() != 0 {
		t.Errorf("an INFO line was written at level ERROR: %s", buf.String())
	}
}

// TestRecorderMetricsIgnoreLevel: with metrics on, every line is written, since it carries
// the metrics.
func TestRecorderMetricsIgnoreLevel(t *testing.T) {
	var buf bytes.Buffer
	rec := httpface.Recorder{Log: slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelError})), Namespace: "NS"}
	rec.Record(context.Background(), "r", ports.DropResult{Key: "k", Size: 1}, nil, time.Millisecond)
	if !bytes.Contains(buf.Bytes(), []byte(`"Drops":1`)) {
		t.Errorf("the stored line with its metrics was dropped at level ERROR: %q", buf.String())
	}
}

// TestNewRecorderSameLines: the declarations NewRecorder makes once are those a bare Recorder
// makes per line.
func TestNewRecorderSameLines(t *testing.T) {
	results := []struct {
		res ports.DropResult
		err error
	}{
		{ports.DropResult{Key: "k", Size: 1, StoreTried: true, StoreDuration: time.Millisecond}, nil},
		{ports.DropResult{}, domain.Errorf(domain.EMethod, "m")},
		{ports.DropResult{StoreTried: true, StoreDuration: time.Millisecond}, domain.Errorf(domain.EStorage, "m")},
	}
	for _, r := range results {
		var a, b bytes.Buffer
		httpface.NewRecorder(slog.New(slog.NewJSONHandler(&a, nil)), "NS").Record(context.Background(), "r", r.res, r.err, time.Millisecond)
		httpface.Recorder{Log: slog.New(slog.NewJSONHandler(&b, nil)), Namespace: "NS"}.Record(context.Background(), "r", r.res, r.err, time.Millisecond)
		var la, lb map[string]any
		json.Unmarshal(a.Bytes(), &la)
		json.Unmarshal(b.Bytes(), &lb)
		da := la["_aws"].(map[string]any)["CloudWatchMetrics"]
		db := lb["_aws"].(map[string]any)["CloudWatchMetrics"]
		if fmt.Sprint(da) != fmt.Sprint(db) {
			t.Errorf("NewRecorder declares %v, Recorder %v", da, db)
		}
	}
}

func TestReplayed(t *testing.T) {
	res := ports.DropResult{Key: "k", Size: 1, Replayed: true}
	if got := httpface.ReplyTo(res, nil); got.Status != 202 || got.Header["Idempotent-Replayed"] != "true" {
		t.Errorf("replay reply %+v, want 202 with Idempotent-Replayed: true", got)
	}
	if got := httpface.ReplyTo(ports.DropResult{Key: "k"}, nil); got.Header["Idempotent-Replayed"] != "" {
		t.Errorf("a first drop says Idempotent-Replayed: %+v", got)
	}
	var buf bytes.Buffer
	httpface.NewRecorder(slog.New(slog.NewJSONHandler(&buf, nil)), "NS").Record(context.Background(), "r", res, nil, time.Millisecond)
	var line map[string]any
	json.Unmarshal(buf.Bytes(), &line)
	if line["outcome"] != "replayed" || line["replayed"] != true || line["PayloadBytes"] != nil {
		t.Errorf("replay line %s: want outcome replayed, replayed true, no PayloadBytes (nothing new stored)", buf.String())
	}
	facetest.CheckEMF(t, line, "NS")
}
