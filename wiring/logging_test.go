package wiring_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/wiring"
)

func TestLogLevelAndMetrics(t *testing.T) {
	tests := []struct {
		name, logLevel, awsLevel string
		want                     slog.Level
	}{
		{"unset", "", "", slog.LevelInfo},
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
