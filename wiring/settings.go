package wiring

// The settings: the service's configuration, read from the environment with envconfig and
// validated, once at start. Every error names the variable, and never repeats its value: a
// token must not reach a log because it was mistyped.

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"
	"github.com/s3-dropbox/s3-dropbox/domain"
)

// Drop is the configuration of the drop use-case and of its S3 store, the same for the Lambda
// function and the server. The AWS_* variables are read by
// the SDK's own default chain, not here.
type Drop struct {
	Bucket        string `envconfig:"BUCKET" desc:"required on Lambda and with STORAGE=s3: S3 bucket that receives the drops"`
	AuthToken     Tokens `envconfig:"AUTH_TOKEN" desc:"required: server token(s) of the clients (base64 of the SHA-256 of the client token)"`
	CDNToken      Tokens `envconfig:"CDN_TOKEN" desc:"required: server token(s) of the CDN header"`
	CDNHeaderName string `envconfig:"CDN_TOKEN_HTTP_HEADER_NAME" desc:"required: name of the header the CDN adds (case-insensitive)"`
	S3EndpointURL string `envconfig:"S3_ENDPOINT_URL" desc:"S3-compatible endpoint such as MinIO (path-style addressing); unset: AWS"`

	MaxBodyBytes     Decimal `envconfig:"MAX_BODY_BYTES" default:"10240" desc:"largest payload accepted, bytes, in decimal (at most 6291456, the Function URL limit)"`
	KeyPrefix        string  `envconfig:"KEY_PREFIX" desc:"put before every object key, such as drops/ (no leading /, no empty or hidden segment)"`
	KeyDatePartition bool    `envconfig:"KEY_DATE_PARTITION" default:"false" desc:"put dt=YYYY-MM-DD/ (UTC) between the prefix and the key"`

	IdempotencyTTL Duration `envconfig:"IDEMPOTENCY_TTL" default:"24h" desc:"how long an Idempotency-Key holds: a duration such as 36h, or days such as 2d; 5m to 365d"`
}

// LogAttrs describes the configuration for the start-up log line: never a token, only how
// many there are.
func (d *Drop) LogAttrs() []slog.Attr {
	return []slog.Attr{
		slog.String("bucket", d.Bucket),
		slog.String("s3_endpoint", d.Endpoint()),
		slog.String("cdn_header", d.CDNHeaderName),
		slog.Int("max_bytes", int(d.MaxBodyBytes)),
		slog.String("key_prefix", d.KeyPrefix),
		slog.Bool("key_date_partition", d.KeyDatePartition),
		slog.String("idempotency_ttl", time.Duration(d.IdempotencyTTL).String()),
		slog.Int("auth_tokens", len(d.AuthToken)),
		slog.Int("cdn_tokens", len(d.CDNToken)),
	}
}

// Endpoint returns S3_ENDPOINT_URL for printing: any user information in it (user:password@)
// is replaced by REDACTED.
func (d *Drop) Endpoint() string {
	u, err := url.Parse(d.S3EndpointURL)
	if err != nil || u.User == nil {
		return d.S3EndpointURL
	}
	u.User = url.User("REDACTED")
	return u.String()
}

// Decimal is an integer setting, read in base 10 only: "010240" is not octal, "0x2800" and
// "0b11" are refused.
type Decimal int

// Decode parses a non-negative decimal integer without a leading zero.
func (n *Decimal) Decode(value string) error {
	v, ok := decimal(value)
	if !ok {
		return errors.New("must be a whole number in decimal, such as 10240, without a sign or leading zero")
	}
	*n = Decimal(v)
	return nil
}

// decimal parses digits only, without a leading zero, up to 2³¹-1.
func decimal(s string) (int, bool) {
	if s == "" || (s[0] == '0' && len(s) > 1) || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 32)
	return int(v), err == nil
}

// MinIdempotencyTTL is the shortest IDEMPOTENCY_TTL: a key must outlast the retries of a
// sender (the client's defaults: 8 attempts of up to 30 s, 25 s of backoff, 4.4 minutes).
const MinIdempotencyTTL = 5 * time.Minute

// Duration is a time.Duration that may also be given in whole days ("2d"), as S3's lifecycle
// counts them.
type Duration time.Duration

// Decode parses a Go duration or a number of days; it must be positive and at most 365 days.
func (d *Duration) Decode(value string) error {
	var v time.Duration
	if days, ok := strings.CutSuffix(value, "d"); ok {
		n, ok := decimal(days)
		if !ok {
			return errors.New("must be a duration such as 36h, or days such as 2d (a whole number in decimal, without a leading zero)")
		}
		if n <= 0 || n > 365 { // before multiplying, which could overflow
			return errors.New("must be more than 0 and at most 365d")
		}
		v = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if v, err = time.ParseDuration(value); err != nil {
			return errors.New("must be a duration such as 36h, or days such as 2d")
		}
	}
	if v <= 0 || v > 365*24*time.Hour {
		return errors.New("must be more than 0 and at most 365d")
	}
	if v < MinIdempotencyTTL {
		return errors.New("must be at least 5m: a key must outlast a sender's retries")
	}
	*d = Duration(v)
	return nil
}

// Lambda is the Lambda function's configuration.
type Lambda struct {
	Drop
	Logging
	MetricsNamespace string `envconfig:"METRICS_NAMESPACE" default:"S3Dropbox" desc:"CloudWatch namespace of the metrics written with the log lines (Embedded Metric Format); empty: none"`
}

// Logging is how much the service logs.
type Logging struct {
	LogLevel string `envconfig:"LOG_LEVEL" desc:"debug, info, warn or error; unset: AWS_LAMBDA_LOG_LEVEL when Lambda's logging configuration sets it, else info"`
}

// Level returns the log level: LOG_LEVEL, else Lambda's AWS_LAMBDA_LOG_LEVEL (TRACE counts as
// debug, FATAL as error), else info.
func (l Logging) Level() slog.Level {
	if lvl, ok := parseLevel(l.LogLevel); ok {
		return lvl
	}
	if lvl, ok := parseLevel(os.Getenv("AWS_LAMBDA_LOG_LEVEL")); ok {
		return lvl
	}
	return slog.LevelInfo
}

func parseLevel(s string) (slog.Level, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "trace", "debug":
		return slog.LevelDebug, true
	case "info":
		return slog.LevelInfo, true
	case "warn", "warning":
		return slog.LevelWarn, true
	case "error", "fatal":
		return slog.LevelError, true
	}
	return 0, false
}

// Validate checks LOG_LEVEL.
func (l Logging) Validate() error {
	if _, ok := parseLevel(l.LogLevel); l.LogLevel != "" && !ok {
		return errors.New("LOG_LEVEL: must be debug, info, warn or error")
	}
	return nil
}

// metricsNamespace is what CloudWatch accepts as a namespace.
var metricsNamespace = regexp.MustCompile(`^[A-Za-z0-9.\-_/#: ]{1,255}$`)

func validateNamespace(ns string) error {
	if ns != "" && (!metricsNamespace.MatchString(ns) || strings.HasPrefix(ns, "AWS/")) {
		return errors.New("METRICS_NAMESPACE: must be 1 to 255 of letters, digits and .-_/#: or space, not starting with AWS/")
	}
	return nil
}

// Validate checks what envconfig cannot: non-empty values, a header name that is a valid HTTP
// field name, an endpoint that is an http(s) URL.
func (d *Drop) Validate(needBucket bool) error {
	required := []struct {
		name string
		set  bool
	}{
		{"BUCKET", d.Bucket != "" || !needBucket},
		{"AUTH_TOKEN", len(d.AuthToken) > 0},
		{"CDN_TOKEN", len(d.CDNToken) > 0},
		{"CDN_TOKEN_HTTP_HEADER_NAME", d.CDNHeaderName != ""},
	}
	for _, r := range required {
		if !r.set {
			return fmt.Errorf("%s: required, and not set", r.name)
		}
	}
	if err := domain.CheckCDNHeader(d.CDNHeaderName); err != nil {
		return fmt.Errorf("CDN_TOKEN_HTTP_HEADER_NAME: %w", err)
	}
	if err := distinct(d.AuthToken, d.CDNToken); err != nil {
		return err
	}
	if d.MaxBodyBytes < 1 || d.MaxBodyBytes > domain.MaxBodyLimit {
		return fmt.Errorf("MAX_BODY_BYTES: must be 1 to %d", domain.MaxBodyLimit)
	}
	if err := domain.CheckKeyPrefix(d.KeyPrefix); err != nil {
		return fmt.Errorf("KEY_PREFIX: %w", err)
	}
	if d.S3EndpointURL != "" {
		u, err := url.Parse(d.S3EndpointURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errors.New("S3_ENDPOINT_URL: must be an http:// or https:// URL, such as http://127.0.0.1:9000")
		}
	}
	return nil
}

// distinct refuses a token given both as a client's and as the CDN's: it would pass both
// layers, so that a client could go around CloudFront and its WAF.
func distinct(auth, cdn Tokens) error {
	for i, a := range auth {
		for j, c := range cdn {
			if a.Digest == c.Digest {
				return fmt.Errorf("AUTH_TOKEN and CDN_TOKEN: entry %d of AUTH_TOKEN is entry %d of CDN_TOKEN: one token would pass both layers; make the CDN's with its own create-token run", i+1, j+1)
			}
		}
	}
	return nil
}

// LoadLambda reads the Lambda function's configuration.
func LoadLambda() (Lambda, error) {
	var l Lambda
	if err := process(&l); err != nil {
		return Lambda{}, err
	}
	return l, errors.Join(l.Drop.Validate(true), l.Logging.Validate(), validateNamespace(l.MetricsNamespace))
}

// process runs envconfig over spec (defaults from the tags, nothing required: Validate checks
// that), rewording its errors so that they name the variable and never hold its value
// (envconfig's own parse errors quote it).
func process(spec any) error {
	err := envconfig.Process("", spec)
	var pe *envconfig.ParseError
	if errors.As(err, &pe) {
		switch pe.TypeName {
		case "bool":
			return fmt.Errorf("%s: must be true or false", pe.KeyName)
		case "int":
			return fmt.Errorf("%s: must be a whole number", pe.KeyName)
		}
		return fmt.Errorf("%s: %w", pe.KeyName, pe.Err)
	}
	return err
}

// Tokens is a list of server tokens: one token, or a comma-separated list
// for rotation, each entry optionally named by its client as name:token.
type Tokens []domain.Credential

// DefaultClient names the client of an entry that gives no name.
const DefaultClient = "default"

var clientName = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)

// Decode parses the list. Errors give an entry's position, never its text.
func (t *Tokens) Decode(value string) error {
	entries := strings.Split(value, ",")
	creds := make(Tokens, 0, len(entries))
	names := map[string]int{}
	for i, e := range entries {
		pos := i + 1
		e = strings.TrimSpace(e)
		if e == "" {
			return fmt.Errorf("entry %d is empty", pos)
		}
		c := domain.Credential{Name: DefaultClient}
		if name, token, ok := strings.Cut(e, ":"); ok {
			if !clientName.MatchString(name) {
				return fmt.Errorf("entry %d: the client name must be 1 to 32 of a-z, 0-9 and -", pos)
			}
			if prev, dup := names[name]; dup {
				return fmt.Errorf("entry %d: the client name is already used by entry %d", pos, prev)
			}
			names[name] = pos
			c.Name, e = name, token
		}
		d, err := domain.ParseServerToken(e)
		if err != nil {
			return fmt.Errorf("entry %d: %w", pos, err)
		}
		for j, prev := range creds {
			if prev.Digest == d {
				return fmt.Errorf("entry %d: the token is already given by entry %d", pos, j+1)
			}
		}
		c.Digest = d
		creds = append(creds, c)
	}
	*t = creds
	return nil
}

// Storage kinds of the server.
const (
	StorageS3         = "s3"
	StorageFilesystem = "filesystem"
)

// Server is the HTTP server's configuration: the Lambda's, plus where to listen and where to
// store.
type Server struct {
	Drop
	Logging
	MetricsNamespace string `envconfig:"METRICS_NAMESPACE" desc:"CloudWatch namespace of the metrics written with the log lines (Embedded Metric Format); unset: none"`
	Addr             string `envconfig:"ADDR" desc:"address to listen on, host:port; wins over PORT"`
	Port             string `envconfig:"PORT" default:"8080" desc:"port to listen on, all interfaces, when ADDR is unset (decimal)"`
	Storage          string `envconfig:"STORAGE" default:"s3" desc:"where drops go: s3 (BUCKET) or filesystem (STORAGE_DIR)"`
	StorageDir       string `envconfig:"STORAGE_DIR" desc:"folder of the filesystem store"`

	MetricsAddr      string  `envconfig:"METRICS_ADDR" desc:"address of the Prometheus listener, host:port, serving /metrics; unset: none (never the drop listener's address)"`
	MaxInflightBytes Decimal `envconfig:"MAX_INFLIGHT_BYTES" default:"33554432" desc:"bytes of request bodies held at once, more than MAX_BODY_BYTES; beyond, 503 (32 MiB keeps a 128 MB container alive)"`
	MaxConns         Decimal `envconfig:"MAX_CONNS" default:"0" desc:"open connections at most, 0 or at least 8; those that serve nobody are closed to make room; 0: what memory allows (GOMEMLIMIT, the cgroup's limit, else 128 MiB), at most half the descriptor limit"`
	Drain            Period  `envconfig:"DRAIN" default:"5s" desc:"after SIGTERM, how long /readyz answers 503 while requests are still served, before the listener closes"`
}

// Period is a duration setting from 0 to 10 minutes, such as 5s.
type Period time.Duration

// Decode parses a Go duration; the error never repeats the value.
func (p *Period) Decode(value string) error {
	d, err := time.ParseDuration(value)
	if err != nil || d < 0 || d > 10*time.Minute {
		return errors.New("must be a duration from 0s to 10m, such as 5s")
	}
	*p = Period(d)
	return nil
}

// ListenAddr returns the address to listen on.
func (s *Server) ListenAddr() string {
	if s.Addr != "" {
		return s.Addr
	}
	return ":" + s.Port
}

// Validate checks the server's own variables, then the shared ones.
func (s *Server) Validate() error {
	switch s.Storage {
	case StorageS3:
	case StorageFilesystem:
		if s.StorageDir == "" {
			return errors.New("STORAGE_DIR: required with STORAGE=filesystem, and not set")
		}
	default:
		return fmt.Errorf("STORAGE: must be %s or %s", StorageS3, StorageFilesystem)
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
	return errors.Join(s.Drop.Validate(s.Storage == StorageS3), s.Logging.Validate(), validateNamespace(s.MetricsNamespace))
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

// isPort reports whether p is a port number in plain decimal: digits only, no sign, no
// leading zero, no service name, at most 65535.
func isPort(p string) bool {
	n, ok := decimal(p)
	return ok && n <= 65535
}

// LoadServer reads the server's configuration.
func LoadServer() (Server, error) {
	var s Server
	if err := process(&s); err != nil {
		return Server{}, err
	}
	return s, s.Validate()
}

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

// LoadDev reads the server's configuration for dev mode: the environment as LoadServer reads
// it (the limit, the key layout, the log level... and their defaults), but with the filesystem
// store under DevDir (or STORAGE_DIR), DevAddr, DevCDNHeader, fresh tokens, and no drain
// unless DRAIN is set.
func LoadDev() (Server, DevTokens, error) {
	var s Server
	var t DevTokens
	if err := process(&s); err != nil {
		return Server{}, t, err
	}
	var err error
	if t.Auth, err = domain.NewClientToken(nil); err != nil {
		return Server{}, t, err
	}
	if t.CDN, err = domain.NewClientToken(nil); err != nil {
		return Server{}, t, err
	}
	s.Addr, s.Storage, s.CDNHeaderName = DevAddr, StorageFilesystem, DevCDNHeader
	if _, set := os.LookupEnv("DRAIN"); !set {
		s.Drain = 0 // no load balancer to tell: Ctrl-C stops at once
	}
	if s.StorageDir == "" {
		s.StorageDir = DevDir
	}
	if err := s.AuthToken.Decode(domain.ServerToken(t.Auth)); err != nil {
		return Server{}, t, err
	}
	if err := s.CDNToken.Decode(domain.ServerToken(t.CDN)); err != nil {
		return Server{}, t, err
	}
	return s, t, s.Validate()
}
