package httpface_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/s3-dropbox/s3-dropbox/contract"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// uploadStats records what the recorder counts.
type uploadStats struct{ uploads, drops []string }

func (s *uploadStats) Request(outcome contract.Outcome, reason string, res ports.DropResult, _ time.Duration) {
	s.drops = append(s.drops, string(outcome))
}
func (s *uploadStats) Upload(op string, outcome contract.Outcome, reason, client string, n int64, _ time.Duration) {
	s.uploads = append(s.uploads, strings.Join([]string{op, string(outcome), reason, client}, " ")+" "+itoa(n))
}
func (s *uploadStats) InFlight(int) {}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestRecordUpload: an upload request's line is its own ("upload", never a drop's): the
// operation (the request that completes an upload is "complete", whatever its method), the
// outcome in the drops' words (stored only when it completed the upload, replayed when it found
// it complete, not_stored for a 2xx step that completes nothing, refused for a 4xx), the upload's id, offset and length, a
// PATCH's bytes, the key once complete; its metrics are UploadRequests by operation and outcome
// (and reason), UploadBytes for a PATCH, never Drops; the metadata and tokens never appear.
func TestRecordUpload(t *testing.T) {
	const id = "0f8fad5b-d9cb-469f-a165-70867728950e"
	up := ports.UploadResult{ID: id, Client: "alice", Length: 100, Offset: 40, Metadata: "filename c2VjcmV0LmNzdg=="}
	done := up
	done.Offset, done.Done, done.Key = 100, true, "k1"
	finishing := done
	finishing.Finishing, finishing.Read = true, 60
	read := up
	read.Read = 40
	unknown := up
	unknown.Offset, unknown.Finishing, unknown.Read = 100, true, 60
	tests := []recordUploadCase{
		{"create", "POST", ports.UploadResult{ID: id, Client: "alice", Length: 100, Metadata: up.Metadata}, nil, "INFO",
			map[string]any{"operation": "create", "outcome": "not_stored", "status": 201.0, "upload": id, "offset": 0.0, "length": 100.0, "UploadRequests": 1.0}, "create not_stored  alice 0", 1},
		{"patch", "PATCH", read, nil, "INFO",
			map[string]any{"operation": "patch", "outcome": "not_stored", "status": 204.0, "offset": 40.0, "bytes": 40.0, "UploadBytes": 40.0}, "patch not_stored  alice 40", 1},
		{"complete", "PATCH", finishing, nil, "INFO",
			map[string]any{"operation": "complete", "outcome": "stored", "status": 204.0, "key": "k1", "bytes": 60.0, "offset": 100.0}, "complete stored  alice 60", 1},
		{"head after a lost answer", "HEAD", done, nil, "INFO",
			map[string]any{"operation": "head", "outcome": "replayed", "status": 200.0, "key": "k1"}, "head replayed  alice 0", 1},
		{"wrong offset", "PATCH", up, domain.Errorf(domain.EUploadOffset, "m"), "WARN",
			map[string]any{"operation": "patch", "outcome": "refused", "status": 409.0, "reason": "upload_offset", "bytes": 0.0}, "patch refused upload_offset alice 0", 2},
		{"completion unknown", "PATCH", unknown, &domain.Error{Code: domain.EStorageUnknown, Message: "m", Err: errors.New("timeout")}, "ERROR",
			map[string]any{"operation": "complete", "outcome": "unknown", "status": 504.0, "reason": "storage_unknown"}, "complete unknown storage_unknown alice 60", 2},
		{"delete", "DELETE", up, nil, "INFO",
			map[string]any{"operation": "delete", "outcome": "not_stored", "status": 204.0}, "delete not_stored  alice 0", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkRecordUpload(t, tt) })
	}
}

// recordUploadCase is an upload request and the line, the dimension sets and the count it
// must give.
type recordUploadCase struct {
	name, method string
	res          ports.UploadResult
	err          error
	level        string
	want         map[string]any
	stat         string
	dims         int
}

// checkRecordUpload records tt's request and checks its line, metrics and counts.
func checkRecordUpload(t *testing.T, tt recordUploadCase) {
	t.Helper()
	var buf bytes.Buffer
	stats := &uploadStats{}
	rec := httpface.Recorder{Log: slog.New(slog.NewJSONHandler(&buf, nil)), Namespace: "NS", Stats: stats}
	rec.RecordUpload(context.Background(), "req-1", tt.method, tt.res, tt.err, 1500*time.Microsecond, slog.String("method", tt.method))
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("log line %q is not JSON: %v", buf.String(), err)
	}
	tt.want["msg"], tt.want["level"], tt.want["request_id"], tt.want["client"] = "upload", tt.level, "req-1", "alice"
	for k, v := range tt.want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (line %s)", k, got[k], v, buf.String())
		}
	}
	for _, k := range []string{"Drops", "PayloadBytes", "Upload-Metadata"} {
		if _, ok := got[k]; ok {
			t.Errorf("the line holds %s: %s", k, buf.String())
		}
	}
	if bytes.Contains(buf.Bytes(), []byte("c2VjcmV0")) {
		t.Errorf("the line holds the upload's metadata: %s", buf.String())
	}
	if _, ok := got["key"]; ok != tt.res.Done {
		t.Errorf("key present %v, want it once complete", ok)
	}
	if _, ok := got["bytes"]; ok != (tt.method == "PATCH") {
		t.Errorf("bytes present %v, want it for a PATCH", ok)
	}
	facetest.CheckEMF(t, got, "NS")
	dir := got["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)
	if dims := dir["Dimensions"].([]any); len(dims) != tt.dims {
		t.Errorf("dimension sets %v, want %d", dims, tt.dims)
	}
	if first := dir["Dimensions"].([]any)[0].([]any); len(first) != 2 || first[0] != "operation" || first[1] != "outcome" {
		t.Errorf("dimensions %v, want operation and outcome", first)
	}
	if len(stats.drops) != 0 || len(stats.uploads) != 1 || stats.uploads[0] != tt.stat {
		t.Errorf("counted drops %q, uploads %q; want no drop and the upload %q", stats.drops, stats.uploads, tt.stat)
	}
}
