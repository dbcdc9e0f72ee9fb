package serve

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/wiring"
)

// uploadOption serves uploads through u on the server; store keeps their bytes. A memory
// budget (MAX_INFLIGHT_BYTES) that cannot hold one PATCH (two of the store's parts) is an
// error: every PATCH would be refused; and so, with more than one AUTH_TOKEN entry, is one
// that cannot hold two of the largest reservations (a PATCH, or the largest drop's body): a
// client may always take one, so one client's PATCH would turn the others away (503) while it
// lasts.
func uploadOption(cfg wiring.ServerSettings, u *domain.Uploads, store ports.ObjectStore) (httpserver.Option, error) {
	part := store.(ports.UploadStore).UploadPartSize()
	if int64(cfg.MaxInflightBytes) < 2*int64(part) {
		return nil, fmt.Errorf("MAX_INFLIGHT_BYTES: must be at least %d with uploads on this store: a PATCH holds two parts of %d bytes", 2*part, part)
	}
	if largest := max(2*int64(part), int64(cfg.MaxBodyBytes)+1); len(cfg.AuthToken) > 1 && int64(cfg.MaxInflightBytes) < 2*largest {
		return nil, fmt.Errorf("MAX_INFLIGHT_BYTES: must be at least %d with uploads on this store and more than one AUTH_TOKEN entry: two of the largest a client may hold at once (a PATCH holds two parts of %d bytes); below, one client's PATCH turns every other client away (503) while it lasts", 2*largest, part)
	}
	return httpserver.WithUploads(u, httpserver.UploadOptions{
		UploadFace: cfg.UploadFace(u),
		PartSize:   part,
	}), nil
}

// uploadOptions returns the handler's options for uploads when cfg turns them on (nil when
// off), or why the settings cannot serve them.
func uploadOptions(cfg wiring.ServerSettings, core *domain.Service, store ports.ObjectStore) ([]httpserver.Option, error) {
	u, err := wiring.Uploads(cfg.UploadSettings, core, store)
	if err != nil || u == nil {
		return nil, err
	}
	o, err := uploadOption(cfg, u, store)
	if err != nil {
		return nil, err
	}
	return []httpserver.Option{o}, nil
}

// SweepEvery is how often the folder store's abandoned uploads are swept.
const SweepEvery = time.Hour

// sweepUploads removes, with uploads on (cfg), now and every SweepEvery until ctx ends, what
// abandoned uploads left in a store that does not expire it itself (the folder store: S3's
// lifecycle rules do it there): staged bytes and state records last written more than
// UPLOAD_TTL (and a lease) ago.
func sweepUploads(ctx context.Context, cfg wiring.ServerSettings, store ports.ObjectStore, log *slog.Logger) {
	sw, ok := store.(interface {
		SweepUploads(statePrefix string, cutoff time.Time) (int, error)
	})
	if !ok || cfg.MaxUploadBytes == 0 {
		return
	}
	ttl := time.Duration(cfg.UploadTTL)
	sweep := func() {
		n, err := sw.SweepUploads(domain.UploadPrefix, time.Now().Add(-ttl-domain.DefaultUploadLease))
		if err != nil {
			log.Warn("sweep of abandoned uploads", slog.Int("removed", n), slog.String("error", err.Error()))
		} else if n > 0 {
			log.Info("sweep of abandoned uploads", slog.Int("removed", n))
		}
	}
	sweep()
	go func() {
		t := time.NewTicker(SweepEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				sweep()
			}
		}
	}()
}
