package wiring_test

import (
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/wiring"
)

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
	if cfg.MaxBodyBytes != 10240 || time.Duration(cfg.IdempotencyTTL) != 24*time.Hour || cfg.StorageDir != wiring.DevDir || cfg.DrainPeriod != 0 ||
		cfg.Storage != wiring.StorageFilesystem || cfg.ListenAddr() != wiring.DevAddr || cfg.CDNHeaderName != wiring.DevCDNHeader {
		t.Errorf("dev settings %+v: want the settings' defaults and dev mode's own", cfg)
	}
	auth, _ := domain.ParseTokenDigest(domain.TokenDigest(tokens.Auth))
	cdn, _ := domain.ParseTokenDigest(domain.TokenDigest(tokens.CDN))
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
