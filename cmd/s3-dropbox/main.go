// Command s3-dropbox is the dropbox as a plain HTTP server, for any machine: the same contract
// as the Lambda function, into S3 (or MinIO) or a local folder.
//
//	s3-dropbox -dev    a working dropbox on 127.0.0.1:8080, nothing to configure
//	s3-dropbox         configured from the environment (s3-dropbox -h lists it)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/fsstore"
	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/adapters/system"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/wiring"
)

// Dev mode's fixed choices.
const (
	devAddr      = "127.0.0.1:8080"
	devDir       = "drops"
	devCDNHeader = "x-cdn-authorization"
)

// ShutdownTimeout is how long drops in flight are given to finish after SIGINT or SIGTERM.
const ShutdownTimeout = 25 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		slog.New(slog.NewJSONHandler(os.Stdout, nil)).Error("stopped", slog.String("error", err.Error()))
		os.Exit(1)
	}
}

// run serves until ctx ends, then shuts down gracefully: the listener closes at once, drops in
// flight finish and are kept. Logs go to out as JSON lines; dev mode's banner and -h go to
// stderr.
func run(ctx context.Context, args []string, out, stderr io.Writer) error {
	flags := flag.NewFlagSet("s3-dropbox", flag.ContinueOnError)
	flags.SetOutput(stderr)
	dev := flags.Bool("dev", false, "development mode: listen on "+devAddr+", store under ./"+devDir+
		" (or STORAGE_DIR), new tokens printed at every start; no other setting is read")
	addr := flags.String("addr", "", "address to listen on, host:port (wins over ADDR and PORT)")
	flags.Usage = func() {
		fmt.Fprintf(stderr, "Usage: s3-dropbox [-dev] [-addr host:port]\n\nFlags:\n")
		flags.PrintDefaults()
		fmt.Fprintf(stderr, "\nEnvironment (without -dev; AWS_* are read by the AWS SDK):\n")
		wiring.Usage(stderr, &wiring.Server{})
	}
	if err := flags.Parse(args); err != nil {
		return err
	}

	var (
		cfg    wiring.Server
		err    error
		tokens devTokens
	)
	if *dev {
		cfg, tokens, err = devSettings()
	} else {
		cfg, err = wiring.LoadServer()
		if err != nil {
			err = fmt.Errorf("settings: %w", err)
		}
	}
	if err != nil {
		return err
	}
	if *addr != "" {
		cfg.Addr = *addr
	}

	store, where, err := newStore(ctx, cfg)
	if err != nil {
		return err
	}
	core, err := domain.New(domain.Config{
		CDNHeader:      cfg.CDNHeaderName,
		CDNTokens:      cfg.CDNToken,
		AuthTokens:     cfg.AuthToken,
		MaxBytes:       int(cfg.MaxBodyBytes),
		KeyPrefix:      cfg.KeyPrefix,
		DatePartition:  cfg.KeyDatePartition,
		IdempotencyTTL: time.Duration(cfg.IdempotencyTTL),
	}, store, system.Clock{}, system.UUIDs{})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.ListenAddr())
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: cfg.Level()}))
	rec := httpface.NewRecorder(log, cfg.MetricsNamespace)
	srv := httpserver.NewServer(cfg.ListenAddr(), httpserver.NewHandler(core, rec), log)
	log.LogAttrs(ctx, slog.LevelInfo, "configured", append(cfg.LogAttrs(),
		slog.String("addr", ln.Addr().String()),
		slog.String("storage", where),
		slog.String("log_level", cfg.Level().String()),
		slog.String("metrics_namespace", cfg.MetricsNamespace),
		slog.Bool("dev", *dev),
	)...)
	if *dev {
		tokens.banner(stderr, "http://"+ln.Addr().String(), where)
	}

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing drops in flight")
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-serveErr; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// newStore returns the configured store and a description of where it keeps drops.
func newStore(ctx context.Context, cfg wiring.Server) (ports.ObjectStore, string, error) {
	if cfg.Storage == wiring.StorageFilesystem {
		s, err := fsstore.New(cfg.StorageDir)
		if err != nil {
			return nil, "", err
		}
		return s, s.Dir(), nil
	}
	client, err := s3store.NewClient(ctx, cfg.S3EndpointURL)
	if err != nil {
		return nil, "", err
	}
	where := "s3://" + cfg.Bucket
	if cfg.S3EndpointURL != "" {
		where += " at " + cfg.Endpoint()
	}
	return s3store.New(client, cfg.Bucket), where, nil
}

// devTokens are the client tokens made for one run in dev mode.
type devTokens struct {
	auth, cdn string
}

// devSettings returns dev mode's configuration: the filesystem store under ./drops (or
// STORAGE_DIR), and fresh tokens. The core and its checks are production's: dev mode only
// makes the tokens for you.
func devSettings() (wiring.Server, devTokens, error) {
	var t devTokens
	var err error
	if t.auth, err = domain.NewClientToken(nil); err != nil {
		return wiring.Server{}, t, err
	}
	if t.cdn, err = domain.NewClientToken(nil); err != nil {
		return wiring.Server{}, t, err
	}
	var cfg wiring.Server
	cfg.Addr = devAddr
	cfg.Storage = wiring.StorageFilesystem
	cfg.StorageDir = devDir
	if dir := os.Getenv("STORAGE_DIR"); dir != "" {
		cfg.StorageDir = dir
	}
	cfg.CDNHeaderName = devCDNHeader
	cfg.MaxBodyBytes = domain.DefaultMaxBytes
	cfg.IdempotencyTTL = wiring.Duration(domain.DefaultIdempotencyTTL)
	if err := cfg.AuthToken.Decode(domain.ServerToken(t.auth)); err != nil {
		return wiring.Server{}, t, err
	}
	if err := cfg.CDNToken.Decode(domain.ServerToken(t.cdn)); err != nil {
		return wiring.Server{}, t, err
	}
	return cfg, t, nil
}

// banner prints what a developer needs to try the dropbox: the tokens and a curl command.
func (t devTokens) banner(w io.Writer, url, where string) {
	fmt.Fprintf(w, `
s3-dropbox dev mode: listening on %[1]s, storing drops in %[2]s
Tokens for this run only (new ones at every start):
  authorization:       Bearer %[3]s
  %[5]s: Bearer %[4]s
Drop a payload:
  curl -i %[1]s/v1/drop -H 'authorization: Bearer %[3]s' -H '%[5]s: Bearer %[4]s' --data-binary 'hello, dropbox'

`, url, where, t.auth, t.cdn, devCDNHeader)
}
