package wiring

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/s3-dropbox/s3-dropbox/contract"
	"github.com/s3-dropbox/s3-dropbox/domain"
)

// CoreSettings are the settings of the drop use-case and of its S3 store, the same for the
// Lambda function and the server. The AWS_* variables are read by the SDK's own default chain,
// not here.
type CoreSettings struct {
	Bucket        string `envconfig:"BUCKET" desc:"required on Lambda and with STORAGE=s3: S3 bucket that receives the drops"`
	AuthToken     Tokens `envconfig:"AUTH_TOKEN" desc:"required: token digest(s) of the clients (base64 of the SHA-256 of the client token)"`
	CDNToken      Tokens `envconfig:"CDN_TOKEN" desc:"required: token digest(s) of the CDN header"`
	CDNHeaderName string `envconfig:"CDN_TOKEN_HTTP_HEADER_NAME" desc:"required: name of the header the CDN adds (case-insensitive)"`
	S3EndpointURL string `envconfig:"S3_ENDPOINT_URL" desc:"S3-compatible endpoint such as MinIO (path-style addressing); unset: AWS"`

	MaxBodyBytes     Decimal `envconfig:"MAX_BODY_BYTES" default:"10240" desc:"largest payload accepted, bytes, in decimal (at most 6291456, the Function URL limit)"`
	KeyPrefix        string  `envconfig:"KEY_PREFIX" desc:"put before every object key, such as drops/ (no leading /, no empty or hidden segment)"`
	KeyDatePartition bool    `envconfig:"KEY_DATE_PARTITION" default:"false" desc:"put dt=YYYY-MM-DD/ (UTC) between the prefix and the key"`

	IdempotencyTTL Duration `envconfig:"IDEMPOTENCY_TTL" default:"24h" desc:"how long an Idempotency-Key holds: a duration such as 36h, or days such as 2d; 5m to 365d (no longer than DROP_EXPIRY, if set)"`
	DropExpiry     Expiry   `envconfig:"DROP_EXPIRY" desc:"how long the drops are kept, when something removes them (an S3 lifecycle rule): a duration such as 36h, or days such as 7d; 5m to 99999d. An Idempotency-Key then holds no longer, so that a retry never finds its key held and its drop gone. Unset or empty: kept"`
}

// KeyTTL returns how long an Idempotency-Key holds: IDEMPOTENCY_TTL, or DROP_EXPIRY when it
// is shorter, and whether DROP_EXPIRY shortened it.
func (c *CoreSettings) KeyTTL() (ttl time.Duration, shortened bool) {
	ttl, expiry := time.Duration(c.IdempotencyTTL), time.Duration(c.DropExpiry)
	if expiry > 0 && expiry < ttl {
		return expiry, true
	}
	return ttl, false
}

// WarnKeyTTL logs, at warn, that DROP_EXPIRY shortens IDEMPOTENCY_TTL, if it does.
func (c *CoreSettings) WarnKeyTTL(ctx context.Context, log *slog.Logger) {
	ttl, shortened := c.KeyTTL()
	if !shortened {
		return
	}
	log.LogAttrs(ctx, slog.LevelWarn, "IDEMPOTENCY_TTL is longer than DROP_EXPIRY: an Idempotency-Key holds only as long as the drops are kept",
		slog.String("idempotency_ttl", time.Duration(c.IdempotencyTTL).String()),
		slog.String("drop_expiry", time.Duration(c.DropExpiry).String()),
		slog.String("key_ttl", ttl.String()))
}

// LogAttrs describes the settings for the start-up log line: never a token, only how many
// there are.
func (c *CoreSettings) LogAttrs() []slog.Attr {
	return []slog.Attr{
		slog.String("bucket", c.Bucket),
		slog.String("s3_endpoint", c.Endpoint()),
		slog.String("cdn_header", c.CDNHeaderName),
		slog.Int("max_bytes", int(c.MaxBodyBytes)),
		slog.String("key_prefix", c.KeyPrefix),
		slog.Bool("key_date_partition", c.KeyDatePartition),
		slog.String("idempotency_ttl", time.Duration(c.IdempotencyTTL).String()),
		slog.String("drop_expiry", dropExpiry(c.DropExpiry)),
		slog.Int("auth_tokens", len(c.AuthToken)),
		slog.Int("cdn_tokens", len(c.CDNToken)),
	}
}

// dropExpiry returns e for printing: "" when the drops are kept for good.
func dropExpiry(e Expiry) string {
	if e == 0 {
		return ""
	}
	return time.Duration(e).String()
}

// Endpoint returns S3_ENDPOINT_URL for printing: any user information in it (user:password@)
// is replaced by REDACTED.
func (c *CoreSettings) Endpoint() string {
	u, err := url.Parse(c.S3EndpointURL)
	if err != nil || u.User == nil {
		return c.S3EndpointURL
	}
	u.User = url.User("REDACTED")
	return u.String()
}

// Validate checks what the decoders cannot see alone: the required values, the domain's rules
// (whose errors it prefixes with the variable's name), CloudFront's and the Function URL's
// limits, an endpoint that is an http(s) URL.
func (c *CoreSettings) Validate(needBucket bool) error {
	required := []struct {
		name string
		set  bool
	}{
		{"BUCKET", c.Bucket != "" || !needBucket},
		{"AUTH_TOKEN", len(c.AuthToken) > 0},
		{"CDN_TOKEN", len(c.CDNToken) > 0},
		{"CDN_TOKEN_HTTP_HEADER_NAME", c.CDNHeaderName != ""},
	}
	for _, r := range required {
		if !r.set {
			return fmt.Errorf("%s: required, and not set", r.name)
		}
	}
	if err := domain.CheckCDNHeader(c.CDNHeaderName); err != nil {
		return fmt.Errorf("CDN_TOKEN_HTTP_HEADER_NAME: %w", err)
	}
	if err := checkCloudFrontHeader(c.CDNHeaderName); err != nil {
		return fmt.Errorf("CDN_TOKEN_HTTP_HEADER_NAME: %w", err)
	}
	if err := domain.CheckLayers(c.AuthToken, c.CDNToken); err != nil {
		return fmt.Errorf("AUTH_TOKEN and CDN_TOKEN: %w", err)
	}
	if c.MaxBodyBytes < 1 || c.MaxBodyBytes > contract.MaxPayloadBytes {
		return fmt.Errorf("MAX_BODY_BYTES: must be 1 to %d", contract.MaxPayloadBytes)
	}
	if err := domain.CheckKeyPrefix(c.KeyPrefix); err != nil {
		return fmt.Errorf("KEY_PREFIX: %w", err)
	}
	if c.S3EndpointURL != "" {
		u, err := url.Parse(c.S3EndpointURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errors.New("S3_ENDPOINT_URL: must be an http:// or https:// URL, such as http://127.0.0.1:9000")
		}
	}
	return nil
}
