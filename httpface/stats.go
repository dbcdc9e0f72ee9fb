package httpface

import (
	"time"
)

// Stats counts what the request lines say, for a metrics system other than the lines' own:
// the Recorder feeds it where it writes each line, so that the two always agree.
type Stats interface {
	// Request counts one drop request: how it ended (outcome, reason: the line's fields), its
	// client, the bytes stored (0 unless stored now), the store's time (0 if not called) and
	// the whole request's.
	Request(outcome, reason, client string, storedBytes int, storage, request time.Duration)
	// InFlight adds delta to the requests being served.
	InFlight(delta int)
}
