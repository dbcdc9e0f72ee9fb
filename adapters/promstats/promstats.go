// Package promstats exports the service's metrics to Prometheus (client_golang): the counts
// and times of the request log line, fed from the same place (httpface.Stats), and the Go and
// process collectors, on a handler meant for a listener of its own.
package promstats

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/s3-dropbox/s3-dropbox/contract"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// Stats holds the metrics, in a registry of their own.
type Stats struct {
	reg      *prometheus.Registry
	drops    *prometheus.CounterVec
	payload  prometheus.Histogram
	storage  *prometheus.HistogramVec
	request  prometheus.Histogram
	inflight prometheus.Gauge
}

var _ httpface.Stats = (*Stats)(nil)

// seconds are the buckets of the time histograms: 1 ms to about 15 s.
var seconds = prometheus.ExponentialBuckets(0.001, 2.5, 11)

// New returns the metrics, registered with the Go and process collectors.
func New() *Stats {
	s := &Stats{
		reg: prometheus.NewRegistry(),
		drops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "s3dropbox_drops_total",
			Help: "Requests, by how they ended (outcome: stored, replayed, refused, not_stored, unknown; reason: the error code, empty when stored) and client (the token entry's name, empty before authorization).",
		}, []string{"outcome", "reason", "client"}),
		payload: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "s3dropbox_payload_bytes",
			Help:    "Sizes of the payloads stored.",
			Buckets: prometheus.ExponentialBuckets(64, 4, 10), // 64 B to 16 MiB
		}),
		storage: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "s3dropbox_storage_duration_seconds",
			Help:    "How long the store took, retries included, by outcome.",
			Buckets: seconds,
		}, []string{"outcome"}),
		request: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "s3dropbox_request_duration_seconds",
			Help:    "How long a drop request took, from its headers to its answer.",
			Buckets: seconds,
		}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "s3dropbox_inflight_requests",
			Help: "Drop requests being served.",
		}),
	}
	s.reg.MustRegister(s.drops, s.payload, s.storage, s.request, s.inflight,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return s
}

// Request counts one drop request.
func (s *Stats) Request(outcome contract.Outcome, reason string, res ports.DropResult, request time.Duration) {
	s.drops.WithLabelValues(string(outcome), reason, res.Client).Inc()
	if outcome == contract.Stored {
		s.payload.Observe(float64(res.Size))
	}
	if res.StoreTried {
		s.storage.WithLabelValues(string(outcome)).Observe(res.StoreDuration.Seconds())
	}
	s.request.Observe(request.Seconds())
}

// Connections exports the drop listener's connections: open, the cap, the newcomers that found
// the cap reached, and those that waited for room (every connection serving a request), as
// read from f at each scrape.
func (s *Stats) Connections(f func() (open, max int, full, waited uint64)) {
	gauge := func(name, help string, v func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, v)
	}
	counter := func(name, help string, v func() float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, v)
	}
	s.reg.MustRegister(
		gauge("s3dropbox_connections_open", "Connections open on the drop listener.", func() float64 { o, _, _, _ := f(); return float64(o) }),
		gauge("s3dropbox_connections_max", "The cap on the drop listener's connections (MAX_CONNS, or what memory allows).", func() float64 { _, m, _, _ := f(); return float64(m) }),
		counter("s3dropbox_connections_full_total", "New connections that found the cap reached (one that serves nobody was closed to make room, or they waited).", func() float64 { _, _, n, _ := f(); return float64(n) }),
		counter("s3dropbox_connections_waited_total", "New connections that found the cap reached with every connection serving a request: they waited for room.", func() float64 { _, _, _, n := f(); return float64(n) }),
	)
}

// InFlight adds delta to the requests being served.
func (s *Stats) InFlight(delta int) { s.inflight.Add(float64(delta)) }

// Handler serves the metrics in Prometheus's text format.
func (s *Stats) Handler() http.Handler {
	return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg})
}
