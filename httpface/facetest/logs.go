package facetest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/contract"
	"github.com/s3-dropbox/s3-dropbox/domain"
)

// reasons maps each message of the table to the reason code its log line must give.
var reasons = map[string]string{
	cdnMissing: "unauthorized_cdn", cdnNotBearer: "unauthorized_cdn", cdnWrong: "unauthorized_cdn",
	"The X-CDN-Authorization header must be present": "unauthorized_cdn",
	authMissing: "unauthorized_auth", authNotBear: "unauthorized_auth", authWrong: "unauthorized_auth",
	onlyPost: "method", needLength: "length_required", badLength: "bad_length", tooLarge: "too_large",
	needBody: "no_body", badBase64: "bad_base64",
	"The request body must be at most 100 bytes": "too_large",
	digestMismatch: "bad_digest", digestMalformed: "bad_digest", md5Mismatch: "bad_digest", md5Malformed: "bad_digest",
	typeTooLong: "bad_content_type",
}

// CheckLog asserts that a request wrote exactly one log line with the fields the row implies,
// that the line is a valid Embedded Metric Format record, and that no token or payload
// reached it.
func CheckLog(t *testing.T, c Case, logs []byte, store *memstore.Store) {
	t.Helper()
	lines := bytes.Split(bytes.TrimSpace(logs), []byte("\n"))
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1:\n%s", len(lines), logs)
	}
	var line map[string]any
	if err := json.Unmarshal(lines[0], &line); err != nil {
		t.Fatalf("log line is not JSON: %v\n%s", err, lines[0])
	}
	want := map[string]any{"msg": "drop", "status": float64(c.Status)}
	switch {
	case c.Status == 202:
		keys := store.Keys()
		want["outcome"], want["level"], want["client"] = string(contract.Stored), "INFO", domain.DefaultClient
		if len(keys) == 1 {
			want["key"], want["bytes"] = keys[0], float64(len(*c.Stored))
		}
	default:
		want["outcome"], want["level"], want["reason"] = string(contract.Refused), "WARN", reasons[c.Message]
		if c.Status != 401 {
			want["client"] = domain.DefaultClient
		}
	}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log %s = %v, want %v", k, line[k], v)
		}
	}
	for _, k := range []string{"time", "request_id", "duration_ms"} {
		if line[k] == nil || line[k] == "" {
			t.Errorf("log has no %s", k)
		}
	}
	if _, ok := line["storage_ms"]; ok != (c.Status == 202) {
		t.Errorf("log storage_ms present: %v, want it exactly when stored", ok)
	}
	if c.Status != 401 && line["client"] == nil {
		t.Error("log has no client")
	}
	CheckEMF(t, line, Namespace)

	secrets := []string{CDNToken, AuthToken}
	for _, p := range []string{c.Req.Body, decoded(c.Req)} {
		if len(p) >= 8 {
			secrets = append(secrets, p[:min(len(p), 32)])
		}
	}
	for _, s := range secrets {
		if bytes.Contains(logs, []byte(s)) || strings.Contains(string(logs), jsonQuoted(s)) {
			t.Errorf("the log holds a token or payload bytes (%.12q…): %s", s, logs)
		}
	}
}

func decoded(r Request) string {
	if !r.Base64 {
		return ""
	}
	b, _ := base64.StdEncoding.DecodeString(r.Body)
	return string(b)
}

// jsonQuoted is s as it would appear inside a JSON string.
func jsonQuoted(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// CheckEMF asserts that a log line is a CloudWatch Embedded Metric Format record in
// namespace: a timestamp, and directives whose dimensions and metrics name fields of the
// line (dimensions strings, metrics numbers).
func CheckEMF(t *testing.T, line map[string]any, namespace string) {
	t.Helper()
	aws, ok := line["_aws"].(map[string]any)
	if !ok {
		t.Fatalf("log line has no _aws object: %v", line)
	}
	if ts, ok := aws["Timestamp"].(float64); !ok || ts < 1e12 {
		t.Errorf("_aws.Timestamp = %v, want epoch milliseconds", aws["Timestamp"])
	}
	directives, ok := aws["CloudWatchMetrics"].([]any)
	if !ok || len(directives) == 0 {
		t.Fatalf("_aws.CloudWatchMetrics = %v, want directives", aws["CloudWatchMetrics"])
	}
	units := map[string]bool{"Count": true, "Bytes": true, "Milliseconds": true}
	for _, d := range directives {
		dir := d.(map[string]any)
		if dir["Namespace"] != namespace {
			t.Errorf("namespace %v, want %s", dir["Namespace"], namespace)
		}
		for _, set := range dir["Dimensions"].([]any) {
			for _, name := range set.([]any) {
				if _, ok := line[name.(string)].(string); !ok {
					t.Errorf("dimension %v is not a string field of the line", name)
				}
			}
		}
		metrics := dir["Metrics"].([]any)
		if len(metrics) == 0 {
			t.Error("a directive with no metrics")
		}
		for _, m := range metrics {
			metric := m.(map[string]any)
			if _, ok := line[metric["Name"].(string)].(float64); !ok {
				t.Errorf("metric %v is not a number field of the line", metric["Name"])
			}
			if !units[metric["Unit"].(string)] {
				t.Errorf("metric %v unit %v", metric["Name"], metric["Unit"])
			}
		}
	}
}
