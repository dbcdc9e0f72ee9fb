package wiring_test

import (
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/wiring"
)

func TestLoadServer(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		wantAddr string
		wantErr  string
	}{
		{"defaults", nil, ":8080", ""},
		{"PORT", map[string]string{"PORT": "9090"}, ":9090", ""},
		{"ADDR wins", map[string]string{"PORT": "9090", "ADDR": "127.0.0.1:7070"}, "127.0.0.1:7070", ""},
		{"filesystem needs no bucket", map[string]string{"STORAGE": "filesystem", "STORAGE_DIR": "/tmp/x", "BUCKET": ""}, ":8080", ""},
		{"filesystem needs a folder", map[string]string{"STORAGE": "filesystem"}, "", "STORAGE_DIR: required with STORAGE=filesystem"},
		{"s3 needs a bucket", map[string]string{"BUCKET": ""}, "", "BUCKET: required"},
		{"unknown storage", map[string]string{"STORAGE": "gcs"}, "", "STORAGE: must be s3 or filesystem"},
		{"bad PORT", map[string]string{"PORT": "http"}, "", "PORT: must be a port number"},
		{"PORT too large", map[string]string{"PORT": "70000"}, "", "PORT: must be a port number"},
		{"bad ADDR", map[string]string{"ADDR": "localhost"}, "", "ADDR: must be host:port"},
		{"shared checks apply", map[string]string{"CDN_TOKEN": "nope"}, "", "CDN_TOKEN: entry 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setValid(t)
			for _, k := range []string{"ADDR", "PORT", "STORAGE", "STORAGE_DIR"} {
				unset(t, k)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			got, err := wiring.LoadServer()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if addr := got.ListenAddr(); addr != tt.wantAddr {
				t.Errorf("ListenAddr() = %q, want %q", addr, tt.wantAddr)
			}
		})
	}
}
