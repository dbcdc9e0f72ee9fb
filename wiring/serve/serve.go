// Package serve assembles the HTTP server from its settings: the store (S3 or a folder), the
// core, the drop listener, the metrics listener (Prometheus and the probes) and dev mode's
// banner. Only the server's command imports it, so that the Lambda function links none of it.
package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/fsstore"
	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/adapters/promstats"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/wiring"
)

// Run runs the HTTP server that cfg describes until ctx ends, then shuts it down gracefully
// (httpserver.Server). It logs JSON lines to out; with dev tokens, it prints dev mode's banner
// to banner.
func Run(ctx context.Context, cfg wiring.ServerSettings, out, banner io.Writer, dev *wiring.DevTokens) error {
	st, err := newStorage(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.close()
	core, err := wiring.Core(cfg.CoreSettings, st.store)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr())
	if err != nil {
		return err
	}
	log := cfg.Logger(out)
	rec := httpface.NewRecorder(log, cfg.MetricsNamespace)
	var metricsLn net.Listener
	var stats *promstats.Stats
	if cfg.MetricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("metrics listener: %w", err)
		}
		stats = promstats.New()
		rec.Stats = stats
	}
	memory := LimitMemory()
	maxConns := int(cfg.MaxConns)
	if maxConns == 0 {
		if err := checkAutoConns(int64(cfg.MaxInflightBytes)); err != nil {
			ln.Close()
			if metricsLn != nil {
				metricsLn.Close()
			}
			return err
		}
		maxConns = httpserver.MaxConns(int64(cfg.MaxInflightBytes), Memory())
	}
	logConfigured(ctx, log, cfg, ln, metricsLn, st.where, maxConns, memory, dev != nil)
	cfg.WarnKeyTTL(ctx, log)
	if cfg.MaxConns == 0 {
		warnFileLimit(ctx, log)
	}
	h := httpserver.NewHandler(core, rec, handlerOptions(cfg, st)...)
	srv := &httpserver.Server{Handler: h, Log: log, DrainPeriod: time.Duration(cfg.DrainPeriod), MaxConns: maxConns}
	if metricsLn != nil {
		stats.Connections(func() (int, int, uint64, uint64) {
			c := srv.ConnStats()
			return c.Open, c.Max, c.Full, c.Waited
		})
		stop := serveMetrics(metricsLn, stats, h.Probes(), log)
		defer stop()
	}
	if dev != nil {
		Banner(banner, *dev, ln.Addr(), cfg.DropPath, st.where)
	}
	return srv.Serve(ctx, ln)
}

// handlerOptions returns the drop handler's options: the budget, the drop path, the clients'
// shares and rates, and the store's readiness.
func handlerOptions(cfg wiring.ServerSettings, st storage) []httpserver.Option {
	opts := []httpserver.Option{httpserver.WithMaxInflightBytes(int64(cfg.MaxInflightBytes)), httpserver.WithDropPath(cfg.DropPath), httpserver.WithClients(len(cfg.AuthToken))}
	if len(cfg.ClientRates) > 0 {
		rates := map[string]httpserver.Rate{}
		for k, r := range cfg.ClientRates {
			rates[k] = httpserver.Rate{PerSecond: r.PerSecond, Burst: r.Burst}
		}
		opts = append(opts, httpserver.WithClientRates(rates))
	}
	if st.ready != nil {
		opts = append(opts, httpserver.WithReadiness(st.ready))
	}
	return opts
}

// logConfigured writes the start-up line: the settings (never a token) and what they came to.
func logConfigured(ctx context.Context, log *slog.Logger, cfg wiring.ServerSettings, ln, metricsLn net.Listener, where string, maxConns int, memory int64, dev bool) {
	metricsAddr := ""
	if metricsLn != nil {
		metricsAddr = metricsLn.Addr().String()
	}
	log.LogAttrs(ctx, slog.LevelInfo, "configured", append(cfg.LogAttrs(),
		slog.String("addr", ln.Addr().String()),
		slog.String("drop_path", cfg.DropPath),
		slog.String("metrics_addr", metricsAddr),
		slog.String("storage", where),
		slog.String("log_level", cfg.Level().String()),
		slog.String("metrics_namespace", cfg.MetricsNamespace),
		slog.Int("max_inflight_bytes", int(cfg.MaxInflightBytes)),
		slog.Int("max_conns", maxConns),
		slog.Int64("memory_limit", memory),
		slog.Duration("drain", time.Duration(cfg.DrainPeriod)),
		slog.Bool("dev", dev),
	)...)
}

// checkAutoConns refuses a budget of bodies in flight that leaves the default connection cap
// under httpserver.MinAutoConns in the memory the server may use: it would shrink the cap
// silently, and a few slow clients would hold every connection. An explicit MAX_CONNS is the
// operator's choice.
func checkAutoConns(inflight int64) error {
	memory := Memory()
	conns := httpserver.ConnsByMemory(inflight, memory)
	if conns >= httpserver.MinAutoConns {
		return nil
	}
	return fmt.Errorf("settings: MAX_INFLIGHT_BYTES: leaves room for %d connections in the %d MiB the server may use (GOMEMLIMIT, else the container's memory limit, else 128 MiB), fewer than %d: lower it, give the server more memory, or set MAX_CONNS",
		conns, memory>>20, httpserver.MinAutoConns)
}

// serveMetrics serves the Prometheus metrics and the probes on ln, a listener of their own,
// with the drop listener's timeouts and at most httpserver.MetricsMaxConns connections, and
// returns what stops it.
func serveMetrics(ln net.Listener, stats *promstats.Stats, probes http.Handler, log *slog.Logger) func() error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", stats.Handler())
	mux.Handle("GET "+httpserver.HealthPath, probes)
	mux.Handle("GET "+httpserver.ReadyPath, probes)
	srv, limited := httpserver.NewLimitedServer(ln, mux, log, httpserver.MetricsMaxConns)
	go srv.Serve(limited)
	return srv.Close
}

// storage is the configured store and what the server needs around it.
type storage struct {
	store ports.ObjectStore
	where string                          // where it keeps drops, for the log and the banner
	ready func(ctx context.Context) error // the readiness probe's check; nil: none
	close func() error                    // releases it
}

// newStorage returns the configured store: a folder, whose readiness /readyz checks, or S3.
func newStorage(ctx context.Context, cfg wiring.ServerSettings) (storage, error) {
	if cfg.Storage == wiring.StorageFilesystem {
		s, err := fsstore.New(cfg.StorageDir)
		if err != nil {
			return storage{}, err
		}
		return storage{store: s, where: s.Dir(), ready: s.Ready, close: s.Close}, nil
	}
	client, err := s3store.NewClient(ctx, cfg.S3EndpointURL)
	if err != nil {
		return storage{}, err
	}
	if client.Options().Region == "" { // else every drop would be a 503
		return storage{}, errors.New("settings: AWS_REGION: required with STORAGE=s3 (or a region in the AWS profile), and not set")
	}
	where := "s3://" + cfg.Bucket
	if cfg.S3EndpointURL != "" {
		where += " at " + cfg.Endpoint()
	}
	return storage{store: s3store.New(client, cfg.Bucket), where: where, close: func() error { return nil }}, nil
}

// warnFileLimit logs, at warn, that the limit on open files sets the default connection cap
// under httpserver.MinAutoConns (half of it is the cap), if it does: the server runs (a small
// limit is the host's, as in a test), but its defences against floods of connections are
// those of a smaller cap, which the operator should know.
func warnFileLimit(ctx context.Context, log *slog.Logger) {
	files, limit := httpserver.ConnsByFiles()
	if files >= httpserver.MinAutoConns {
		return
	}
	log.LogAttrs(ctx, slog.LevelWarn, "the limit on open files leaves the connection cap under its floor: raise it (ulimit -n, systemd's LimitNOFILE, docker's --ulimit nofile), or set MAX_CONNS",
		slog.Int64("rlimit_nofile", limit), slog.Int64("max_conns", files), slog.Int("floor", httpserver.MinAutoConns), slog.Int("rlimit_nofile_wanted", 2*httpserver.MinAutoConns))
}
