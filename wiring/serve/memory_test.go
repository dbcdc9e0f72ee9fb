package serve

import (
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
)

// TestLimitMemorySetsSevenEighths: without GOMEMLIMIT, LimitMemory sets the runtime's memory
// limit to 7/8 of the cgroup's memory limit (128 MiB without one), and the cap stays what it
// was; a GOMEMLIMIT set is kept.
func TestLimitMemorySetsSevenEighths(t *testing.T) {
	prev := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetMemoryLimit(prev); gcLimit.Store(0) })
	wantConns := httpserver.MaxConns(httpserver.DefaultMaxInflightBytes, Memory())
	want := cgroupMemory(t) / 8 * 7
	if got := LimitMemory(); got != want || debug.SetMemoryLimit(-1) != want {
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

// TestLimitMemoryOff: GOMEMLIMIT=off, which the runtime reads as no limit, is kept: no limit
// is set, and the cap follows the cgroup's memory (128 MiB without one).
func TestLimitMemoryOff(t *testing.T) {
	prev := debug.SetMemoryLimit(math.MaxInt64) // as GOMEMLIMIT=off leaves it
	t.Cleanup(func() { debug.SetMemoryLimit(prev); gcLimit.Store(0) })
	t.Setenv("GOMEMLIMIT", "off")
	if got := LimitMemory(); got != math.MaxInt64 || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Errorf("LimitMemory() = %d, runtime limit %d; want none (%d)", got, debug.SetMemoryLimit(-1), int64(math.MaxInt64))
	}
	if got, want := Memory(), cgroupMemory(t); got != want {
		t.Errorf("Memory() = %d, want the cgroup's %d", got, want)
	}
}

// cgroupMemory returns this machine's cgroup memory limit as the kernel reports it, or 128 MiB
// when it sets none (v2 "max", v1's page-rounded maximum, or no cgroup files).
func cgroupMemory(t *testing.T) int64 {
	t.Helper()
	for _, f := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(b))
		if s == "max" {
			break
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("%s: %q", f, s)
		}
		if n < 1<<50 {
			return n
		}
		break
	}
	return 128 << 20
}
