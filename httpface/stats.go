package httpface

import (
	"time"

	"github.com/s3-dropbox/s3-dropbox/contract"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// Stats counts what the request lines say, for a metrics system other than the lines' own:
// the Recorder feeds it where it writes each line, so that the two always agree.
type Stats interface {
	// Request counts one drop request: how it ended (outcome, reason: the line's fields),
	// what the core said of it (res: its client, its size, the store's time if the store was
	// called) and the whole request's time. The payload is stored now only if outcome is
	// contract.Stored.
	Request(outcome contract.Outcome, reason string, res ports.DropResult, request time.Duration)
	// InFlight adds delta to the requests being served.
	InFlight(delta int)
}
