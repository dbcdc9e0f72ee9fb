package wiring

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/httpface"
)

// Lambda is the Lambda function's settings.
type Lambda struct {
	CoreSettings
	Logging
	MetricsNamespace string `envconfig:"METRICS_NAMESPACE" default:"S3Dropbox" desc:"CloudWatch namespace of the metrics written with the log lines (Embedded Metric Format); empty: none"`
	DropPath         string `envconfig:"DROP_PATH" desc:"the one path that takes drops, matched exactly (/v1/drop/ is another path), every other path answered 404; unset or empty: every path, as the original (CloudFront routes one path to the function)"`
}

// LoadLambda reads the Lambda function's settings.
func LoadLambda() (Lambda, error) {
	var l Lambda
	if err := load(&l); err != nil {
		return Lambda{}, err
	}
	var pathErr error
	if l.DropPath != "" {
		pathErr = checkDropPath(l.DropPath)
	}
	return l, errors.Join(l.CoreSettings.Validate(true), l.Logging.Validate(), validateNamespace(l.MetricsNamespace), pathErr)
}

// LambdaHandler builds the Function URL handler from the environment: the settings, one S3
// client for the life of the process, the core. It logs the configuration (never a secret) to
// out, where the handler logs its requests. Nothing here touches the network.
func LambdaHandler(ctx context.Context, out io.Writer) (*funcurl.Handler, error) {
	cfg, err := LoadLambda()
	if err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	client, err := s3store.NewClient(ctx, cfg.S3EndpointURL)
	if err != nil {
		return nil, err
	}
	core, err := Core(cfg.CoreSettings, s3store.New(client, cfg.Bucket))
	if err != nil {
		return nil, err
	}
	log := cfg.Logger(out)
	log.LogAttrs(ctx, slog.LevelInfo, "configured", append(cfg.LogAttrs(),
		slog.String("log_level", cfg.Level().String()),
		slog.String("metrics_namespace", cfg.MetricsNamespace),
		slog.String("drop_path", cfg.DropPath),
	)...)
	cfg.WarnKeyTTL(ctx, log)
	var opts []funcurl.Option
	if cfg.DropPath != "" {
		opts = append(opts, funcurl.WithDropPath(cfg.DropPath))
	}
	return funcurl.New(core, httpface.NewRecorder(log, cfg.MetricsNamespace), opts...), nil
}
