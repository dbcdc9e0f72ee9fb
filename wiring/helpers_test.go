package wiring_test

import (
	"os"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/domain"
)

var (
	authServer = domain.TokenDigest("auth-client")
	cdnServer  = domain.TokenDigest("cdn-client")
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
