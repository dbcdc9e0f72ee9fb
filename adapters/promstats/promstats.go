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

// InFlight adds delta to the requests being served.
func (s *Stats) InFlight(delta int) { s.inflight.Add(float64(delta)) }

// Handler serves the metrics in Prometheus's text format.
func (s *Stats) Handler() http.Handler {
	return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg})
}
