package httpserver

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestAttackLimitMemory: without GOMEMLIMIT, LimitMemory sets the runtime's memory limit to
// 7/8 of the memory the default cap follows, and the cap stays what it was; a GOMEMLIMIT set
// is kept.
func TestAttackLimitMemory(t *testing.T) {
	prev := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetMemoryLimit(prev); gcLimit.Store(0) })
	wantConns := MaxConns(DefaultMaxInflightBytes)
	if got, want := LimitMemory(), memoryLimit()/8*7; got != want || debug.SetMemoryLimit(-1) != want {
		t.Errorf("LimitMemory() = %d, runtime limit %d; want both %d", got, debug.SetMemoryLimit(-1), want)
	}
	if got := MaxConns(DefaultMaxInflightBytes); got != wantConns {
		t.Errorf("MaxConns after LimitMemory = %d, want %d as before", got, wantConns)
	}
	gcLimit.Store(0)
	debug.SetMemoryLimit(100 << 20) // as GOMEMLIMIT=100MiB does
	if got := LimitMemory(); got != 100<<20 || debug.SetMemoryLimit(-1) != 100<<20 {
		t.Errorf("with a limit of 100 MiB set: LimitMemory() = %d, runtime limit %d; want both kept", got, debug.SetMemoryLimit(-1))
	}
}
