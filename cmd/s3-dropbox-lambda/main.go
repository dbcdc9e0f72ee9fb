// Command s3-dropbox-lambda is the AWS Lambda function (runtime provided.al2023, binary named
// bootstrap) behind a Function URL. It reads its settings once, builds one S3 client for the
// life of the process, and serves invocations until Lambda stops it.
//
// Build:
//
//	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -trimpath -tags lambda.norpc -o bootstrap ./cmd/s3-dropbox-lambda
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/adapters/system"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/wiring"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		slog.New(slog.NewJSONHandler(os.Stdout, nil)).Error("start failed", slog.String("error", err.Error()))
		os.Exit(1)
	}
}

// run wires settings, the S3 store and the core into the Function URL handler, and serves.
func run(ctx context.Context, out io.Writer) error {
	handler, err := setup(ctx, out)
	if err != nil {
		return err
	}
	lambda.StartWithOptions(handler.Handle, lambda.WithContext(ctx))
	return nil
}

// setup builds the handler from the environment; it logs JSON lines to out. Nothing here
// touches the network.
func setup(ctx context.Context, out io.Writer) (*funcurl.Handler, error) {
	cfg, err := wiring.LoadLambda()
	if err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	client, err := s3store.NewClient(ctx, cfg.S3EndpointURL)
	if err != nil {
		return nil, err
	}
	svc, err := domain.New(domain.Config{
		CDNHeader:      cfg.CDNHeaderName,
		CDNTokens:      cfg.CDNToken,
		AuthTokens:     cfg.AuthToken,
		MaxBytes:       int(cfg.MaxBodyBytes),
		KeyPrefix:      cfg.KeyPrefix,
		DatePartition:  cfg.KeyDatePartition,
		IdempotencyTTL: time.Duration(cfg.IdempotencyTTL),
	}, s3store.New(client, cfg.Bucket), system.Clock{}, system.UUIDs{})
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: cfg.Level()}))
	log.LogAttrs(ctx, slog.LevelInfo, "configured", append(cfg.LogAttrs(),
		slog.String("log_level", cfg.Level().String()),
		slog.String("metrics_namespace", cfg.MetricsNamespace),
	)...)
	return funcurl.New(svc, httpface.NewRecorder(log, cfg.MetricsNamespace)), nil
}
