package wiring

import (
	"os"

	"github.com/s3-dropbox/s3-dropbox/domain"
)

// Dev mode's own settings: the address, the folder (unless STORAGE_DIR names one) and the CDN
// header name.
const (
	DevAddr      = "127.0.0.1:8080"
	DevDir       = "drops"
	DevCDNHeader = "x-cdn-authorization"
)

// DevTokens are the client tokens dev mode makes for one run.
type DevTokens struct {
	Auth, CDN string
}

// LoadDev reads the server's settings for dev mode: the environment as LoadServer reads it
// (the limit, the key layout, the log level... and their defaults), but with the filesystem
// store under DevDir (or STORAGE_DIR), DevAddr, DevCDNHeader, fresh tokens, and no drain
// unless DRAIN is set.
func LoadDev() (ServerSettings, DevTokens, error) {
	var s ServerSettings
	var t DevTokens
	if err := load(&s); err != nil {
		return ServerSettings{}, t, err
	}
	var err error
	if t.Auth, err = domain.NewClientToken(nil); err != nil {
		return ServerSettings{}, t, err
	}
	if t.CDN, err = domain.NewClientToken(nil); err != nil {
		return ServerSettings{}, t, err
	}
	s.Addr, s.Storage, s.CDNHeaderName = DevAddr, StorageFilesystem, DevCDNHeader
	if _, set := os.LookupEnv("DRAIN"); !set {
		s.DrainPeriod = 0 // no load balancer to tell: Ctrl-C stops at once
	}
	if s.StorageDir == "" {
		s.StorageDir = DevDir
	}
	if err := s.AuthToken.Decode(domain.TokenDigest(t.Auth)); err != nil {
		return ServerSettings{}, t, err
	}
	if err := s.CDNToken.Decode(domain.TokenDigest(t.CDN)); err != nil {
		return ServerSettings{}, t, err
	}
	return s, t, s.Validate()
}
