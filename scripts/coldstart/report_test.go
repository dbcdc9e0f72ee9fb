package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestReportJSON: with -json every line is one JSON object with its kind and its figures.
func TestReportJSON(t *testing.T) {
	var buf bytes.Buffer
	p := &report{w: &buf, json: true}
	runs := []result{{FirstDropMS: 10.5, InitMS: 4.5, PeakRSS: 14 << 20}, {FirstDropMS: 12, InitMS: 5, PeakRSS: 15 << 20}}
	p.size("s3-dropbox-lambda", "arm64", 11862178)
	p.run("floor", 2, runs[1])
	p.summary("floor", runs, 2)
	p.ratio("s3-dropbox-lambda", "floor", "peak RSS", spread{1.15, 1.1, 1.2}, 10)
	if p.err != nil {
		t.Fatal(p.err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	want := []map[string]any{
		{"kind": "size", "bootstrap": "s3-dropbox-lambda", "os": "linux", "arch": "arm64", "bytes": 11862178.0},
		{"kind": "run", "bootstrap": "floor", "run": 2.0, "first_drop_ms": 12.0, "init_ms": 5.0, "peak_rss_bytes": float64(15 << 20)},
		{"kind": "summary", "bootstrap": "floor", "runs": 2.0, "stored": 2.0,
			"first_drop_ms":  map[string]any{"median": 11.25, "min": 10.5, "max": 12.0},
			"init_ms":        map[string]any{"median": 4.75, "min": 4.5, "max": 5.0},
			"peak_rss_bytes": map[string]any{"median": float64(29 << 19), "min": float64(14 << 20), "max": float64(15 << 20)}},
		{"kind": "ratio", "of": "s3-dropbox-lambda/floor", "measure": "peak RSS", "pairs": 10.0, "median": 1.15, "min": 1.1, "max": 1.2},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	for i, line := range lines {
		var got map[string]any
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("line %d %q: %v", i+1, line, err)
		}
		gotJSON, _ := json.Marshal(got)
		wantJSON, _ := json.Marshal(want[i])
		if !bytes.Equal(gotJSON, wantJSON) {
			t.Errorf("line %d:\ngot  %s\nwant %s", i+1, gotJSON, wantJSON)
		}
	}
}

// TestReportText: the text names the bootstrap, the figure and its unit on each line.
func TestReportText(t *testing.T) {
	var buf bytes.Buffer
	p := &report{w: &buf}
	p.size("floor", "amd64", 10420386)
	p.run("s3-dropbox-lambda", 1, result{FirstDropMS: 10.84, InitMS: 4.9, PeakRSS: 14_300_000})
	p.ratio("s3-dropbox-lambda", "floor", "size linux/amd64", spread{1.234, 1.234, 1.234}, 1)
	p.ratio("s3-dropbox-lambda", "floor", "first drop", spread{1.15, 0.9, 1.3}, 10)
	want := `bootstrap floor, linux/amd64: 10420386 bytes (10.42 MB, stripped)
run  1, s3-dropbox-lambda: first drop answered   10.8 ms after the process start (init phase   4.9 ms), peak RSS 14.30 MB
s3-dropbox-lambda/floor, size linux/amd64: 1.23×
s3-dropbox-lambda/floor, first drop: 1.15× (median of 10 paired runs; 0.90× to 1.30×)
`
	if got := buf.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
