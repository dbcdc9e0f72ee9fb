package serve

import (
	"math"
	"runtime/debug"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
)

// TestAttackLimitMemory: without GOMEMLIMIT, LimitMemory sets the runtime's memory limit to
// 7/8 of Memory, and the cap, which follows Memory, stays what it was; a GOMEMLIMIT set
// is kept.
func TestAttackLimitMemory(t *testing.T) {
	prev := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetMemoryLimit(prev); gcLimit.Store(0) })
	wantConns := httpserver.MaxConns(httpserver.DefaultMaxInflightBytes, Memory())
	if got, want := LimitMemory(), Memory()/8*7; got != want || debug.SetMemoryLimit(-1) != want {
		t.Errorf("LimitMemory() = %d, runtime limit %d; want both %d", got, debug.SetMemoryLimit(-1), want)
	}
	if got := httpserver.MaxConns(httpserver.DefaultMaxInflightBytes, Memory()); got != wantConns {
		t.Errorf("MaxConns after LimitMemory = %d, want %d as before", got, wantConns)
	}
	gcLimit.Store(0)
	debug.SetMemoryLimit(100 << 20) // as GOMEMLIMIT=100MiB does
	if got := LimitMemory(); got != 100<<20 || debug.SetMemoryLimit(-1) != 100<<20 {
		t.Errorf("with a limit of 100 MiB set: LimitMemory() = %d, runtime limit %d; want both kept", got, debug.SetMemoryLimit(-1))
	}
}
