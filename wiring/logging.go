package wiring

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
)

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

// Logger returns the service's logger: JSON lines to out, at the configured level.
func (l Logging) Logger(out io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: l.Level()}))
}

// metricsNamespace is what CloudWatch accepts as a namespace.
var metricsNamespace = regexp.MustCompile(`^[A-Za-z0-9.\-_/#: ]{1,255}$`)

// validateNamespace checks METRICS_NAMESPACE.
func validateNamespace(ns string) error {
	if ns != "" && (!metricsNamespace.MatchString(ns) || strings.HasPrefix(ns, "AWS/")) {
		return errors.New("METRICS_NAMESPACE: must be 1 to 255 of letters, digits and .-_/#: or space, not starting with AWS/")
	}
	return nil
}
