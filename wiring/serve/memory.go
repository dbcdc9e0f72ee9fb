package serve

import (
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
)

// LimitMemory makes the Go runtime keep the process within 7/8 of the memory it may use
// (Memory; the rest for what the runtime does not count and the soft limit's overshoot), and
// returns that limit; a GOMEMLIMIT set is kept, and GOMEMLIMIT=off sets none (math.MaxInt64).
// docs/server.md says why.
func LimitMemory() int64 {
	if l := debug.SetMemoryLimit(-1); l < math.MaxInt64 || memoryLimitOff() {
		return l
	}
	l := Memory() / 8 * 7
	gcLimit.Store(l)
	debug.SetMemoryLimit(l)
	return l
}

// memoryLimitOff says whether GOMEMLIMIT asks for no limit ("off", as the runtime reads it).
func memoryLimitOff() bool { return os.Getenv("GOMEMLIMIT") == "off" }

// gcLimit is the runtime's memory limit LimitMemory set; 0: none.
var gcLimit atomic.Int64

// Memory returns the memory the process may use: GOMEMLIMIT, else the cgroup's limit (v2,
// then v1), else httpserver.DefaultMemory. The limit LimitMemory set is not GOMEMLIMIT.
func Memory() int64 {
	if l := debug.SetMemoryLimit(-1); l < math.MaxInt64 && l != gcLimit.Load() {
		return l
	}
	for _, f := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && n < 1<<50 {
			return n
		}
	}
	return httpserver.DefaultMemory
}
