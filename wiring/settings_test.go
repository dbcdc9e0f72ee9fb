package wiring_test

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/wiring"
)

var (
	authServer = domain.ServerToken("auth-client")
	cdnServer  = domain.ServerToken("cdn-client")
)

// setValid sets a complete, valid environment of the original's variables.
func setValid(t *testing.T) {
	t.Helper()
	t.Setenv("BUCKET", "my-bucket")
	t.Setenv("AUTH_TOKEN", authServer)
	t.Setenv("CDN_TOKEN", cdnServer)
	t.Setenv("CDN_TOKEN_HTTP_HEADER_NAME", "X-CDN-Authorization")
	t.Setenv("S3_ENDPOINT_URL", "")
}

// unset removes an environment variable for the rest of the test, and restores it after.
func unset(t *testing.T, key string) {
	t.Helper()
	t.Setenv(key, "") // registers the restore
	os.Unsetenv(key)
}

func TestLoadLambda(t *testing.T) {
	setValid(t)
	t.Setenv("S3_ENDPOINT_URL", "http://127.0.0.1:9000/")
	got, err := wiring.LoadLambda()
	if err != nil {
		t.Fatal(err)
	}
	wantAuth, _ := domain.ParseServerToken(authServer)
	wantCDN, _ := domain.ParseServerToken(cdnServer)
	if got.Bucket != "my-bucket" || got.CDNHeaderName != "X-CDN-Authorization" || got.S3EndpointURL != "http://127.0.0.1:9000/" {
		t.Errorf("got %+v", got)
	}
	if len(got.AuthToken) != 1 || got.AuthToken[0] != (domain.Credential{Name: "default", Digest: wantAuth}) {
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
		{"CDN_TOKEN_HTTP_HEADER_NAME Host", "CDN_TOKEN_HTTP_HEADER_NAME", "Host", false, "CloudFront cannot add"},
		{"CDN_TOKEN_HTTP_HEADER_NAME X-Amz-*", "CDN_TOKEN_HTTP_HEADER_NAME", "X-Amz-Cdn-Token", false, "must not start with x-amz- or x-edge-"},
		{"S3_ENDPOINT_URL no scheme", "S3_ENDPOINT_URL", "minio.internal:9000", false, "S3_ENDPOINT_URL: must be an http:// or https:// URL"},
		{"S3_ENDPOINT_URL ftp", "S3_ENDPOINT_URL", "ftp://example.com", false, "S3_ENDPOINT_URL: must be an http:// or https:// URL"},
		{"AUTH_TOKEN is the CDN's", "AUTH_TOKEN", cdnServer, false, "AUTH_TOKEN and CDN_TOKEN: entry 1 of AUTH_TOKEN is entry 1 of CDN_TOKEN"},
		{"CDN_TOKEN holds a client's", "CDN_TOKEN", domain.ServerToken("other") + ",edge:" + authServer, false, "AUTH_TOKEN and CDN_TOKEN: entry 1 of AUTH_TOKEN is entry 2 of CDN_TOKEN"},
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

// TestTokenLists: the list forms for rotation and named clients, and the errors that name the
// entry's position, never its text.
func TestTokenLists(t *testing.T) {
	a, b := domain.ServerToken("a"), domain.ServerToken("b")
	ok := []struct {
		value string
		names []string
	}{
		{a, []string{"default"}},
		{a + "," + b, []string{"default", "default"}},
		{" " + a + " , " + b + " ", []string{"default", "default"}},
		{"alice:" + a + ",bob-2:" + b, []string{"alice", "bob-2"}},
		{"alice:" + a + "," + b, []string{"alice", "default"}},
	}
	for _, tt := range ok {
		var got wiring.Tokens
		if err := got.Decode(tt.value); err != nil {
			t.Errorf("Decode(%q): %v", tt.value, err)
			continue
		}
		var names []string
		for _, c := range got {
			names = append(names, c.Name)
		}
		if strings.Join(names, ",") != strings.Join(tt.names, ",") {
			t.Errorf("Decode(%q) names = %v, want %v", tt.value, names, tt.names)
		}
	}
	bad := []struct{ value, want string }{
		{a + ",", "entry 2 is empty"},
		{"," + a, "entry 1 is empty"},
		{a + "," + a, "entry 2: the token is already given by entry 1"},
		{"x:" + a + ",x:" + b, "entry 2: the client name is already used by entry 1"},
		{"Alice:" + a, "entry 1: the client name must be"},
		{":" + a, "entry 1: the client name must be"},
		{strings.Repeat("n", 33) + ":" + a, "entry 1: the client name must be"},
		{a + ",bob:" + b[:40], "entry 2: must be 44 characters"},
	}
	for _, tt := range bad {
		var got wiring.Tokens
		err := got.Decode(tt.value)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Decode(%q) = %v, want an error containing %q", tt.value, err, tt.want)
		}
		if err != nil && (strings.Contains(err.Error(), a) || strings.Contains(err.Error(), b[:40])) {
			t.Errorf("error %q repeats a token", err)
		}
	}
}

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

func TestLogLevelAndMetrics(t *testing.T) {
	tests := []struct {
		name, logLevel, awsLevel string
		want                     slog.Level
	}{
		{"default", "", "", slog.LevelInfo},
		{"LOG_LEVEL", "debug", "", slog.LevelDebug},
		{"LOG_LEVEL upper case", "WARN", "", slog.LevelWarn},
		{"Lambda's level when LOG_LEVEL is unset", "", "ERROR", slog.LevelError},
		{"Lambda's TRACE is debug", "", "TRACE", slog.LevelDebug},
		{"LOG_LEVEL wins", "info", "ERROR", slog.LevelInfo},
		{"unknown Lambda level is info", "", "LOUD", slog.LevelInfo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setValid(t)
			t.Setenv("LOG_LEVEL", tt.logLevel)
			t.Setenv("AWS_LAMBDA_LOG_LEVEL", tt.awsLevel)
			got, err := wiring.LoadLambda()
			if err != nil {
				t.Fatal(err)
			}
			if got.Level() != tt.want {
				t.Errorf("Level() = %v, want %v", got.Level(), tt.want)
			}
		})
	}

	setValid(t)
	unset(t, "METRICS_NAMESPACE")
	if l, _ := wiring.LoadLambda(); l.MetricsNamespace != "S3Dropbox" {
		t.Errorf("Lambda METRICS_NAMESPACE default %q, want S3Dropbox", l.MetricsNamespace)
	}
	if s, _ := wiring.LoadServer(); s.MetricsNamespace != "" {
		t.Errorf("server METRICS_NAMESPACE default %q, want none (metrics off)", s.MetricsNamespace)
	}
	for key, value := range map[string]string{"LOG_LEVEL": "verbose", "METRICS_NAMESPACE": "AWS/Lambda"} {
		t.Run(key, func(t *testing.T) {
			setValid(t)
			t.Setenv(key, value)
			if _, err := wiring.LoadLambda(); err == nil || !strings.Contains(err.Error(), key+": must be") {
				t.Errorf("%s=%s: err %v, want one naming %s", key, value, err, key)
			}
		})
	}
}

func TestLimitAndLayout(t *testing.T) {
	setValid(t)
	for _, k := range []string{"MAX_BODY_BYTES", "KEY_PREFIX", "KEY_DATE_PARTITION"} {
		unset(t, k)
	}
	got, err := wiring.LoadLambda()
	if err != nil {
		t.Fatal(err)
	}
	if got.MaxBodyBytes != 10240 || got.KeyPrefix != "" || got.KeyDatePartition {
		t.Errorf("defaults %d %q %v, want the original's: 10240, no prefix, no partition", got.MaxBodyBytes, got.KeyPrefix, got.KeyDatePartition)
	}

	good := map[string]map[string]string{
		"largest limit":  {"MAX_BODY_BYTES": "6291456"},
		"longest folder": {"KEY_PREFIX": strings.Repeat("s", 255) + "/"},
		"longest string": {"KEY_PREFIX": "in/" + strings.Repeat("s", 192)},
		"folder prefix":  {"KEY_PREFIX": "drops/"},
		"nested prefix":  {"KEY_PREFIX": "team-a/in.box/"},
		"string prefix":  {"KEY_PREFIX": "drop-"},
		"date partition": {"KEY_DATE_PARTITION": "true"},
		"partition as 1": {"KEY_DATE_PARTITION": "1"},
	}
	for name, vars := range good {
		t.Run(name, func(t *testing.T) {
			setValid(t)
			for k, v := range vars {
				t.Setenv(k, v)
			}
			if _, err := wiring.LoadLambda(); err != nil {
				t.Errorf("%v: %v", vars, err)
			}
		})
	}
	bad := []struct{ key, value, want string }{
		{"MAX_BODY_BYTES", "0", "MAX_BODY_BYTES: must be 1 to 6291456"},
		{"MAX_BODY_BYTES", "6291457", "MAX_BODY_BYTES: must be 1 to 6291456"},
		{"MAX_BODY_BYTES", "10k", "MAX_BODY_BYTES: must be a whole number"},
		{"MAX_BODY_BYTES", "99999999999", "MAX_BODY_BYTES: must be a whole number"},
		{"KEY_PREFIX", "/drops/", "KEY_PREFIX: must not start with /"},
		{"KEY_PREFIX", "drops/../x/", "KEY_PREFIX: must not have a segment that starts with ."},
		{"KEY_PREFIX", "drops//x/", "KEY_PREFIX: must not have an empty segment"},
		{"KEY_PREFIX", "./", "KEY_PREFIX: must not have a segment that starts with ."},
		{"KEY_PREFIX", ".hidden/", "KEY_PREFIX: must not have a segment that starts with ."},
		{"KEY_PREFIX", ".idempotency/", "KEY_PREFIX: must not have a segment that starts with ."},
		{"KEY_PREFIX", "in/.drop-", "KEY_PREFIX: must not have a segment that starts with ."},
		{"KEY_PREFIX", strings.Repeat("s", 256) + "/", "KEY_PREFIX: must not have a segment longer than 255"},
		{"KEY_PREFIX", "in/" + strings.Repeat("s", 193), "KEY_PREFIX: must not end with a segment longer than 192"},
		{"MAX_BODY_BYTES", "010240", "MAX_BODY_BYTES: must be a whole number in decimal"},
		{"MAX_BODY_BYTES", "0x2800", "MAX_BODY_BYTES: must be a whole number in decimal"},
		{"MAX_BODY_BYTES", "0b11", "MAX_BODY_BYTES: must be a whole number in decimal"},
		{"MAX_BODY_BYTES", "+10240", "MAX_BODY_BYTES: must be a whole number in decimal"},
		{"MAX_BODY_BYTES", "1_024", "MAX_BODY_BYTES: must be a whole number in decimal"},
		{"KEY_PREFIX", "drops\\x", "KEY_PREFIX: must hold only"},
		{"KEY_PREFIX", "dröps/", "KEY_PREFIX: must hold only"},
		{"KEY_DATE_PARTITION", "yes please", "KEY_DATE_PARTITION: must be true or false"},
	}
	for _, tt := range bad {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			setValid(t)
			t.Setenv(tt.key, tt.value)
			_, err := wiring.LoadLambda()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
			if err != nil && len(tt.value) > 3 && strings.Contains(err.Error(), tt.value) {
				t.Errorf("error %q repeats the value", err)
			}
		})
	}
}

func TestIdempotencyTTL(t *testing.T) {
	tests := []struct {
		value string
		want  time.Duration
		err   string
	}{
		{"", 24 * time.Hour, ""},
		{"36h", 36 * time.Hour, ""},
		{"2d", 48 * time.Hour, ""},
		{"90m", 90 * time.Minute, ""},
		{"0s", 0, "IDEMPOTENCY_TTL: must be more than 0"},
		{"400d", 0, "IDEMPOTENCY_TTL: must be more than 0 and at most 365d"},
		{"213504d", 0, "IDEMPOTENCY_TTL: must be more than 0 and at most 365d"}, // overflows once multiplied
		{"9223372036854775807d", 0, "IDEMPOTENCY_TTL: must be"},
		{"-1d", 0, "IDEMPOTENCY_TTL: must be a duration such as 36h, or days such as 2d"},
		{"01d", 0, "IDEMPOTENCY_TTL: must be a duration such as 36h, or days such as 2d"},
		{"a day", 0, "IDEMPOTENCY_TTL: must be a duration such as 36h"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			setValid(t)
			if tt.value == "" {
				unset(t, "IDEMPOTENCY_TTL")
			} else {
				t.Setenv("IDEMPOTENCY_TTL", tt.value)
			}
			got, err := wiring.LoadLambda()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || time.Duration(got.IdempotencyTTL) != tt.want {
				t.Errorf("TTL %v, %v; want %v", time.Duration(got.IdempotencyTTL), err, tt.want)
			}
		})
	}
}

// TestLoadDev: dev mode takes its defaults from the settings' own, reads the rest of the
// environment as production does, and makes fresh tokens that the configuration accepts.
func TestLoadDev(t *testing.T) {
	for _, k := range []string{"MAX_BODY_BYTES", "KEY_PREFIX", "STORAGE_DIR", "IDEMPOTENCY_TTL", "AUTH_TOKEN", "CDN_TOKEN", "CDN_TOKEN_HTTP_HEADER_NAME", "BUCKET", "DRAIN"} {
		unset(t, k)
	}
	cfg, tokens, err := wiring.LoadDev()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxBodyBytes != 10240 || time.Duration(cfg.IdempotencyTTL) != 24*time.Hour || cfg.StorageDir != wiring.DevDir || cfg.Drain != 0 ||
		cfg.Storage != wiring.StorageFilesystem || cfg.ListenAddr() != wiring.DevAddr || cfg.CDNHeaderName != wiring.DevCDNHeader {
		t.Errorf("dev settings %+v: want the settings' defaults and dev mode's own", cfg)
	}
	auth, _ := domain.ParseServerToken(domain.ServerToken(tokens.Auth))
	cdn, _ := domain.ParseServerToken(domain.ServerToken(tokens.CDN))
	if len(cfg.AuthToken) != 1 || cfg.AuthToken[0].Digest != auth || len(cfg.CDNToken) != 1 || cfg.CDNToken[0].Digest != cdn || tokens.Auth == tokens.CDN {
		t.Errorf("dev tokens do not match the configuration, or are the same")
	}
	t.Setenv("MAX_BODY_BYTES", "100")
	t.Setenv("KEY_PREFIX", "dev/")
	t.Setenv("STORAGE_DIR", "/tmp/elsewhere")
	if cfg, _, err := wiring.LoadDev(); err != nil || cfg.MaxBodyBytes != 100 || cfg.KeyPrefix != "dev/" || cfg.StorageDir != "/tmp/elsewhere" {
		t.Errorf("dev settings %+v, %v: want MAX_BODY_BYTES, KEY_PREFIX and STORAGE_DIR read", cfg, err)
	}
}
