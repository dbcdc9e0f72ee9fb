package wiring

import (
	"errors"
	"fmt"
	"net"
)

// Storage kinds of the server.
const (
	StorageS3         = "s3"
	StorageFilesystem = "filesystem"
)

// ServerSettings are the HTTP server's settings: the Lambda's, plus where to listen and where
// to store.
type ServerSettings struct {
	CoreSettings
	Logging
	MetricsNamespace string `envconfig:"METRICS_NAMESPACE" desc:"CloudWatch namespace of the metrics written with the log lines (Embedded Metric Format); unset: none"`
	DropPath         string `envconfig:"DROP_PATH" default:"/v1/drop" desc:"the one path that takes drops, matched exactly (/v1/drop/ is another path); every other path but the probes' is answered 404"`
	Addr             string `envconfig:"ADDR" desc:"address to listen on, host:port; wins over PORT"`
	Port             string `envconfig:"PORT" default:"8080" desc:"port to listen on, all interfaces, when ADDR is unset (decimal)"`
	Storage          string `envconfig:"STORAGE" default:"s3" desc:"where drops go: s3 (BUCKET) or filesystem (STORAGE_DIR)"`
	StorageDir       string `envconfig:"STORAGE_DIR" desc:"folder of the filesystem store"`

	MetricsAddr      string      `envconfig:"METRICS_ADDR" desc:"address of a listener of its own, host:port, serving the Prometheus /metrics and the probes /healthz and /readyz, which an attack that fills the drop listener cannot fail; unset: none (never the drop listener's address)"`
	MaxInflightBytes Decimal     `envconfig:"MAX_INFLIGHT_BYTES" default:"33554432" desc:"bytes of request bodies held at once, more than MAX_BODY_BYTES; beyond, 503 (32 MiB keeps a 128 MB container alive); with MAX_CONNS=0, refused at start if it leaves memory for fewer than 256 connections"`
	MaxConns         Decimal     `envconfig:"MAX_CONNS" default:"0" desc:"open connections at most, 0 or at least 8; those that serve nobody are closed to make room; 0: what memory allows (GOMEMLIMIT, the cgroup's limit, else 128 MiB), at most half the descriptor limit"`
	DrainPeriod      Period      `envconfig:"DRAIN" default:"5s" desc:"after SIGTERM, how long /readyz answers 503 while requests are still served, before the listener closes"`
	ClientRates      ClientRates `envconfig:"CLIENT_RATES" desc:"drops a second each client may send, CLIENT=RATE:BURST comma-separated, CLIENT a token entry's name, default#N (the N-th entry, unnamed) or * (every other client); over it, 429 with Retry-After; unset: none"`
}

// ListenAddr returns the address to listen on.
func (s *ServerSettings) ListenAddr() string {
	if s.Addr != "" {
		return s.Addr
	}
	return ":" + s.Port
}

// Validate checks the server's own variables, then the shared ones.
func (s *ServerSettings) Validate() error {
	switch s.Storage {
	case StorageS3:
	case StorageFilesystem:
		if s.StorageDir == "" {
			return errors.New("STORAGE_DIR: required with STORAGE=filesystem, and not set")
		}
	default:
		return fmt.Errorf("STORAGE: must be %s or %s", StorageS3, StorageFilesystem)
	}
	if err := checkDropPath(s.DropPath); err != nil {
		return err
	}
	if s.Addr == "" {
		if !isPort(s.Port) {
			return errors.New("PORT: must be a port number in decimal, 0 to 65535, without a sign or leading zero")
		}
	} else if _, p, err := net.SplitHostPort(s.Addr); err != nil || !isPort(p) {
		return errors.New("ADDR: must be host:port with the port in decimal, such as 127.0.0.1:8080 or :8080")
	}
	if s.MetricsAddr != "" {
		if _, p, err := net.SplitHostPort(s.MetricsAddr); err != nil || !isPort(p) {
			return errors.New("METRICS_ADDR: must be host:port with the port in decimal, such as :9090")
		}
		if overlap(s.MetricsAddr, s.ListenAddr()) {
			return errors.New("METRICS_ADDR: must not be the drop listener's address (ADDR, or PORT): the metrics have a listener of their own")
		}
	}
	if s.MaxConns != 0 && s.MaxConns < MinMaxConns {
		return fmt.Errorf("MAX_CONNS: must be 0 (what memory allows) or at least %d: below, a few drops in storage hold every connection", MinMaxConns)
	}
	if s.MaxInflightBytes < 1<<20 {
		return errors.New("MAX_INFLIGHT_BYTES: must be at least 1048576 (1 MiB)")
	}
	if s.MaxInflightBytes <= s.MaxBodyBytes {
		return errors.New("MAX_INFLIGHT_BYTES: must be more than MAX_BODY_BYTES: a drop holds its body and a byte, and a larger one could never be served")
	}
	if len(s.AuthToken) > 1 && s.MaxInflightBytes < 2*(s.MaxBodyBytes+1) {
		return fmt.Errorf("MAX_INFLIGHT_BYTES: must hold two of the largest bodies, at least %d (2 × (MAX_BODY_BYTES + 1)), with more than one AUTH_TOKEN entry: below, one client's body takes more than its half, and every other client's largest drops are turned away (503) while it arrives", 2*(s.MaxBodyBytes+1))
	}
	if err := s.ClientRates.forEntries(s.AuthToken); err != nil {
		return err
	}
	return errors.Join(s.CoreSettings.Validate(s.Storage == StorageS3), s.Logging.Validate(), validateNamespace(s.MetricsNamespace))
}

// LoadServer reads the server's settings.
func LoadServer() (ServerSettings, error) {
	var s ServerSettings
	if err := load(&s); err != nil {
		return ServerSettings{}, err
	}
	return s, s.Validate()
}

// MinMaxConns is the smallest MAX_CONNS but 0: each drop in storage (up to 20 s) holds one.
const MinMaxConns = 8

// overlap reports whether listening on a and on b (both host:port) would take the same port of
// the same address: the same port, not 0, and the same host or either all of them.
func overlap(a, b string) bool {
	ha, pa, errA := net.SplitHostPort(a)
	hb, pb, errB := net.SplitHostPort(b)
	if errA != nil || errB != nil || pa != pb || pa == "0" {
		return false
	}
	all := func(h string) bool { return h == "" || h == "0.0.0.0" || h == "::" }
	return ha == hb || all(ha) || all(hb)
}
