package httpface

import (
	"encoding/json"
	"log/slog"
	"time"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// Metric names, in the namespace; their dimensions are the line's outcome and reason fields.
const (
	MetricDrops          = "Drops"          // one per request, by outcome (and reason)
	MetricPayloadBytes   = "PayloadBytes"   // size of a stored payload
	MetricStorageLatency = "StorageLatency" // how long the store took, stored or failed
)

// The kinds of line, by what they measure: a bit each for a reason, a stored payload's size,
// and a storage time.
const (
	withReason = 1 << iota
	withBytes
	withLatency
	variants = 1 << iota
)

// directive returns the CloudWatchMetrics array of one kind of line.
func directive(namespace string, variant int) json.RawMessage {
	type metric struct {
		Name string
		Unit string
	}
	defs := []metric{{MetricDrops, "Count"}}
	if variant&withBytes != 0 {
		defs = append(defs, metric{MetricPayloadBytes, "Bytes"})
	}
	if variant&withLatency != 0 {
		defs = append(defs, metric{MetricStorageLatency, "Milliseconds"})
	}
	dims := [][]string{{"outcome"}}
	if variant&withReason != 0 {
		dims = append(dims, []string{"outcome", "reason"})
	}
	b, _ := json.Marshal([]map[string]any{{"Namespace": namespace, "Dimensions": dims, "Metrics": defs}})
	return b
}

// metrics appends the Embedded Metric Format attributes of one drop.
func (r Recorder) metrics(attrs []slog.Attr, hasReason bool, res ports.DropResult) []slog.Attr {
	variant := 0
	attrs = append(attrs, slog.Int(MetricDrops, 1))
	if hasReason {
		variant |= withReason
	}
	if res.Key != "" && !res.Replayed {
		variant |= withBytes
		attrs = append(attrs, slog.Int(MetricPayloadBytes, res.Size))
	}
	if res.StoreTried {
		variant |= withLatency
		attrs = append(attrs, slog.Float64(MetricStorageLatency, ms(res.StoreDuration)))
	}
	var dir json.RawMessage
	if r.directives != nil {
		dir = r.directives[variant]
	} else {
		dir = directive(r.Namespace, variant)
	}
	return append(attrs, slog.Group("_aws",
		slog.Int64("Timestamp", time.Now().UnixMilli()),
		slog.Any("CloudWatchMetrics", dir),
	))
}
