package wiring_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/wiring"
)

func TestLoadLambda(t *testing.T) {
	setValid(t)
	t.Setenv("S3_ENDPOINT_URL", "http://127.0.0.1:9000/")
	got, err := wiring.LoadLambda()
	if err != nil {
		t.Fatal(err)
	}
	wantAuth, _ := domain.ParseTokenDigest(authServer)
	wantCDN, _ := domain.ParseTokenDigest(cdnServer)
	if got.Bucket != "my-bucket" || got.CDNHeaderName != "X-CDN-Authorization" || got.S3EndpointURL != "http://127.0.0.1:9000/" {
		t.Errorf("got %+v", got)
	}
	if len(got.AuthToken) != 1 || got.AuthToken[0] != (domain.Credential{Name: domain.DefaultClient, Digest: wantAuth}) {
		t.Errorf("AuthToken = %+v, want the one default credential", got.AuthToken)
	}
	if len(got.CDNToken) != 1 || got.CDNToken[0].Digest != wantCDN {
		t.Errorf("CDNToken = %+v", got.CDNToken)
	}
}

// TestLoadLambdaFailsClosed: each missing or malformed variable stops the start with an error
// that names it and never holds its value.
func TestLoadLambdaFailsClosed(t *testing.T) {
	secretish := "s3cr3t-value-never-printed"
	tests := []struct {
		name, key, value string
		unset            bool
		want             string
	}{
		{"BUCKET unset", "BUCKET", "", true, "BUCKET: required"},
		{"BUCKET empty", "BUCKET", "", false, "BUCKET: required"},
		{"AUTH_TOKEN unset", "AUTH_TOKEN", "", true, "AUTH_TOKEN: required"},
		{"AUTH_TOKEN empty", "AUTH_TOKEN", "", false, "AUTH_TOKEN: entry 1 is empty"},
		{"AUTH_TOKEN not base64", "AUTH_TOKEN", secretish, false, "AUTH_TOKEN: entry 1: must be 44 characters"},
		{"AUTH_TOKEN a client token", "AUTH_TOKEN", strings.Repeat("A", 86), false, "AUTH_TOKEN: entry 1: must be 44"},
		{"AUTH_TOKEN 44 bad chars", "AUTH_TOKEN", strings.Repeat("!", 44), false, "AUTH_TOKEN: entry 1: must be standard base64"},
		{"CDN_TOKEN unset", "CDN_TOKEN", "", true, "CDN_TOKEN: required"},
		{"CDN_TOKEN malformed", "CDN_TOKEN", secretish, false, "CDN_TOKEN: entry 1"},
		{"CDN_TOKEN_HTTP_HEADER_NAME unset", "CDN_TOKEN_HTTP_HEADER_NAME", "", true, "CDN_TOKEN_HTTP_HEADER_NAME: required"},
		{"CDN_TOKEN_HTTP_HEADER_NAME empty", "CDN_TOKEN_HTTP_HEADER_NAME", "", false, "CDN_TOKEN_HTTP_HEADER_NAME: required, and not set"},
		{"CDN_TOKEN_HTTP_HEADER_NAME with space", "CDN_TOKEN_HTTP_HEADER_NAME", "x cdn", false, "CDN_TOKEN_HTTP_HEADER_NAME: must be an HTTP header name"},
		{"CDN_TOKEN_HTTP_HEADER_NAME authorization", "CDN_TOKEN_HTTP_HEADER_NAME", "Authorization", false, "CDN_TOKEN_HTTP_HEADER_NAME: must not be a header the service reads"},
		{"CDN_TOKEN_HTTP_HEADER_NAME Host", "CDN_TOKEN_HTTP_HEADER_NAME", "Host", false, "CDN_TOKEN_HTTP_HEADER_NAME: must not be a header CloudFront cannot add"},
		{"CDN_TOKEN_HTTP_HEADER_NAME Upgrade", "CDN_TOKEN_HTTP_HEADER_NAME", "Upgrade", false, "CDN_TOKEN_HTTP_HEADER_NAME: must not be a header CloudFront cannot add"},
		{"CDN_TOKEN_HTTP_HEADER_NAME X-Edge-*", "CDN_TOKEN_HTTP_HEADER_NAME", "X-Edge-Token", false, "must not start with x-amz- or x-edge-"},
		{"AUTH_TOKEN bad client name", "AUTH_TOKEN", "Alice:" + authServer, false, "AUTH_TOKEN: entry 1: the client name must be"},
		{"CDN_TOKEN_HTTP_HEADER_NAME X-Amz-*", "CDN_TOKEN_HTTP_HEADER_NAME", "X-Amz-Cdn-Token", false, "must not start with x-amz- or x-edge-"},
		{"S3_ENDPOINT_URL no scheme", "S3_ENDPOINT_URL", "minio.internal:9000", false, "S3_ENDPOINT_URL: must be an http:// or https:// URL"},
		{"S3_ENDPOINT_URL ftp", "S3_ENDPOINT_URL", "ftp://example.com", false, "S3_ENDPOINT_URL: must be an http:// or https:// URL"},
		{"AUTH_TOKEN is the CDN's", "AUTH_TOKEN", cdnServer, false, "AUTH_TOKEN and CDN_TOKEN: entry 1 of the client tokens is entry 1 of the CDN tokens"},
		{"CDN_TOKEN holds a client's", "CDN_TOKEN", domain.TokenDigest("other") + ",edge:" + authServer, false, "AUTH_TOKEN and CDN_TOKEN: entry 1 of the client tokens is entry 2 of the CDN tokens"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setValid(t)
			if tt.unset {
				unset(t, tt.key)
			} else {
				t.Setenv(tt.key, tt.value)
			}
			_, err := wiring.LoadLambda()
			if err == nil {
				t.Fatal("LoadLambda succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
			if tt.value != "" && strings.Contains(err.Error(), tt.value) {
				t.Errorf("error %q repeats the value", err)
			}
			for _, token := range []string{authServer, cdnServer} {
				if strings.Contains(err.Error(), token) {
					t.Errorf("error %q holds a token", err)
				}
			}
		})
	}
}

// TestEndpointRedacted: user information in S3_ENDPOINT_URL never reaches the start-up line.
func TestEndpointRedacted(t *testing.T) {
	setValid(t)
	t.Setenv("S3_ENDPOINT_URL", "https://minio-user:minio-pass-never-printed@minio.internal:9000")
	got, err := wiring.LoadLambda()
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://REDACTED@minio.internal:9000"; got.Endpoint() != want {
		t.Errorf("Endpoint() = %q, want %q", got.Endpoint(), want)
	}
	var line strings.Builder
	slog.New(slog.NewJSONHandler(&line, nil)).LogAttrs(context.Background(), slog.LevelInfo, "configured", got.LogAttrs()...)
	if strings.Contains(line.String(), "minio-pass") || strings.Contains(line.String(), "minio-user") {
		t.Errorf("start-up line %s holds the endpoint's user information", line.String())
	}
}
