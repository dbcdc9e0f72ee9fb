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
	"os"
	"os/signal"
	"syscall"

	"github.com/s3-dropbox/s3-dropbox/wiring"
	"github.com/s3-dropbox/s3-dropbox/wiring/serve"
)

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

// run serves until ctx ends, then shuts down gracefully. Logs go to out as JSON lines; dev
// mode's banner and -h go to stderr.
func run(ctx context.Context, args []string, out, stderr io.Writer) error {
	flags := flag.NewFlagSet("s3-dropbox", flag.ContinueOnError)
	flags.SetOutput(stderr)
	dev := flags.Bool("dev", false, "development mode: listen on "+wiring.DevAddr+", store under ./"+wiring.DevDir+
		" (or STORAGE_DIR), new tokens printed at every start, the CDN header named "+wiring.DevCDNHeader+"; ADDR, PORT, STORAGE, AUTH_TOKEN, CDN_TOKEN and CDN_TOKEN_HTTP_HEADER_NAME are ignored, DRAIN is 0s unless set, the other settings read as without -dev")
	addr := flags.String("addr", "", "address to listen on, host:port (wins over ADDR and PORT)")
	flags.Usage = func() {
		fmt.Fprintf(stderr, "Usage: s3-dropbox [-dev] [-addr host:port]\n\nFlags:\n")
		flags.PrintDefaults()
		fmt.Fprintf(stderr, "\nEnvironment (AWS_* are read by the AWS SDK):\n")
		wiring.Usage(stderr, &wiring.ServerSettings{})
	}
	if err := flags.Parse(args); err != nil {
		return err
	}
	var (
		cfg    wiring.ServerSettings
		tokens *wiring.DevTokens
		err    error
	)
	if *dev {
		var t wiring.DevTokens
		cfg, t, err = wiring.LoadDev()
		tokens = &t
	} else {
		cfg, err = wiring.LoadServer()
	}
	if err != nil && !*dev {
		return fmt.Errorf("settings: %w (s3-dropbox -h lists them; s3-dropbox -dev runs a dropbox on this machine with none to set)", err)
	}
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	if *addr != "" {
		cfg.Addr = *addr
	}
	return serve.Run(ctx, cfg, out, stderr, tokens)
}
