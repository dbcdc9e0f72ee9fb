// Package wiring reads the service's settings from the environment and checks them, builds
// the core from them for both commands, and builds the Lambda function's handler. The HTTP
// server's assembly (its listeners, its stores, its metrics) is wiring/serve's, which only the
// server's command imports, so that the Lambda links none of it.
package wiring

import (
	"github.com/s3-dropbox/s3-dropbox/adapters/system"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// Core returns the drop use-case over store, as c configures it, with the system's clock and
// random UUIDs.
func Core(c CoreSettings, store ports.ObjectStore) (*domain.Service, error) {
	return domain.New(CoreConfig(c), store, system.Clock{}, system.UUIDs{})
}

// CoreConfig returns the core's configuration from c: an Idempotency-Key holds c.KeyTTL().
func CoreConfig(c CoreSettings) domain.Config {
	ttl, _ := c.KeyTTL()
	return domain.Config{
		CDNHeader:      c.CDNHeaderName,
		CDNTokens:      c.CDNToken,
		AuthTokens:     c.AuthToken,
		MaxBytes:       int(c.MaxBodyBytes),
		KeyPrefix:      c.KeyPrefix,
		DatePartition:  c.KeyDatePartition,
		IdempotencyTTL: ttl,
	}
}
