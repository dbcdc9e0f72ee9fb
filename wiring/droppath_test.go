package wiring_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl"
	"github.com/s3-dropbox/s3-dropbox/wiring"
)

// TestDropPathSetting: the server's DROP_PATH is /v1/drop unless set, the function's is unset
// (every path); a path that is not absolute, or that clients and proxies would rewrite, is
// refused, the error naming the variable.
func TestDropPathSetting(t *testing.T) {
	setValid(t)
	unset(t, "DROP_PATH")
	if s, err := wiring.LoadServer(); err != nil || s.DropPath != "/v1/drop" {
		t.Errorf("server DROP_PATH %q, %v; want /v1/drop", s.DropPath, err)
	}
	if l, err := wiring.LoadLambda(); err != nil || l.DropPath != "" {
		t.Errorf("Lambda DROP_PATH %q, %v; want none: every path, as the original", l.DropPath, err)
	}
	t.Setenv("DROP_PATH", "")
	if l, err := wiring.LoadLambda(); err != nil || l.DropPath != "" {
		t.Errorf("Lambda DROP_PATH empty: %q, %v; want none", l.DropPath, err)
	}
	if _, err := wiring.LoadServer(); err == nil || !strings.Contains(err.Error(), "DROP_PATH: must be an absolute path") {
		t.Errorf("server DROP_PATH empty: %v, want an error naming DROP_PATH", err)
	}

	tests := []struct{ value, err string }{
		{"/v1/drop", ""},
		{"/", ""},
		{"/v1/drop/", ""},
		{"/in-box/2026_v1.drop~x", ""},
		{"v1/drop", "DROP_PATH: must be an absolute path"},
		{"https://example.com/v1/drop", "DROP_PATH: must be an absolute path"},
		{"/v1/drop?x=1", "DROP_PATH: must hold only"},
		{"/v1/dr%6Fp", "DROP_PATH: must hold only"},
		{"/v1/drop*", "DROP_PATH: must hold only"},
		{"/v1//drop", "DROP_PATH: must not have an empty, . or .. segment"},
		{"/v1/../drop", "DROP_PATH: must not have an empty, . or .. segment"},
		{"/v1/.", "DROP_PATH: must not have an empty, . or .. segment"},
		{"/" + strings.Repeat("a", 1024), "DROP_PATH: must be at most 1024"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			setValid(t)
			t.Setenv("DROP_PATH", tt.value)
			s, serr := wiring.LoadServer()
			l, lerr := wiring.LoadLambda()
			for _, err := range []error{serr, lerr} {
				switch {
				case tt.err == "" && err != nil:
					t.Errorf("%v, want none", err)
				case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
					t.Errorf("%v, want %q", err, tt.err)
				}
			}
			if tt.err == "" && (s.DropPath != tt.value || l.DropPath != tt.value) {
				t.Errorf("DROP_PATH read as %q and %q", s.DropPath, l.DropPath)
			}
		})
	}
}

// TestLambdaHandlerDropPath: the function built from the environment takes a drop on any path
// without DROP_PATH (here refused for want of tokens, 401: it reached the core), and answers
// 404 to another path than DROP_PATH's when it is set. Nothing reaches S3.
func TestLambdaHandlerDropPath(t *testing.T) {
	tests := []struct {
		dropPath string
		want     int
	}{
		{"", 401},
		{"/v1/drop", 404},
	}
	for _, tt := range tests {
		setValid(t)
		t.Setenv("AWS_REGION", "eu-west-1")
		t.Setenv("S3_ENDPOINT_URL", "http://127.0.0.1:1")
		t.Setenv("DROP_PATH", tt.dropPath)
		h, err := wiring.LambdaHandler(context.Background(), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		body := "p"
		ev := funcurl.Request{Body: &body}
		ev.RawPath = "/v1/drops"
		ev.RequestContext.HTTP.Method = "POST"
		resp, err := h.Handle(context.Background(), ev)
		if err != nil || resp.StatusCode != tt.want {
			t.Errorf("DROP_PATH=%q: POST /v1/drops = %d %q, %v; want %d", tt.dropPath, resp.StatusCode, resp.Body, err, tt.want)
		}
	}
}
