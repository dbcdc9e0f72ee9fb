package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// TestStartWithoutSettings: started with nothing set, the server stops with the first missing
// setting and a hint at -h and at -dev, which needs none.
func TestStartWithoutSettings(t *testing.T) {
	for _, k := range []string{"BUCKET", "AUTH_TOKEN", "CDN_TOKEN", "CDN_TOKEN_HTTP_HEADER_NAME", "STORAGE", "STORAGE_DIR", "ADDR", "PORT", "DROP_PATH"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	err := run(context.Background(), nil, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil {
		t.Fatal("started without settings")
	}
	for _, want := range []string{"BUCKET: required", "s3-dropbox -h lists them", "s3-dropbox -dev runs a dropbox on this machine with none to set"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q, want it to say %q", err, want)
		}
	}
}

// TestServerHelp: -h lists DROP_PATH with its default, and says the metrics listener serves
// the probes.
func TestServerHelp(t *testing.T) {
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, &bytes.Buffer{}, &stderr); err == nil || !strings.Contains(err.Error(), "help requested") {
		t.Fatalf("-h: %v", err)
	}
	help := strings.Join(strings.Fields(stderr.String()), " ")
	for _, want := range []string{"DROP_PATH (default /v1/drop)", "serving the Prometheus /metrics and the probes /healthz and /readyz", "Usage: s3-dropbox [-dev] [-addr host:port]"} {
		if !strings.Contains(help, want) {
			t.Errorf("-h does not say %q:\n%s", want, stderr.String())
		}
	}
}
