package httpserver

import (
	"syscall"
	"testing"
	"time"
)

// TestEvictionOrder: at the cap, the connection closed to make room is the one that serves
// nobody, in the documented order; none while every connection serves a request.
func TestEvictionOrder(t *testing.T) {
	type conn struct {
		name  string
		phase int32
		age   time.Duration // since the phase began
		quiet time.Duration // since its last bytes
		write time.Duration // since a write began that has not returned; 0: none
		await bool          // active, its request not at the handler yet
	}
	var (
		refusedQuiet  = conn{"refused, quiet", phaseRefused, 3 * time.Second, 1500 * time.Millisecond, 0, false}
		refusedPause  = conn{"refused, paused 150 ms", phaseRefused, 3 * time.Second, 150 * time.Millisecond, 0, false}
		idle          = conn{"idle", phaseIdle, 10 * time.Millisecond, 10 * time.Millisecond, 0, false}
		idleLonger    = conn{"idle longer", phaseIdle, 20 * time.Second, 20 * time.Second, 0, false}
		silent        = conn{"silent 1 s", phaseNew, time.Second, time.Second, 0, false}
		stalled       = conn{"body stalled 1 s", phaseBody, 2 * time.Second, time.Second, 0, false}
		unread        = conn{"answer unread 1 s", phaseWork, 2 * time.Second, 2 * time.Second, time.Second, false}
		discarding    = conn{"refused, its body arriving", phaseRefused, time.Second, 0, 0, false}
		discardingNew = conn{"refused 100 ms ago, its body arriving", phaseRefused, 100 * time.Millisecond, 0, 0, false}
		fresh         = conn{"new 200 ms", phaseNew, 200 * time.Millisecond, 200 * time.Millisecond, 0, false}
		newest        = conn{"new 10 ms", phaseNew, 10 * time.Millisecond, 10 * time.Millisecond, 0, false}
		arriving      = conn{"body arriving", phaseBody, 5 * time.Second, 100 * time.Millisecond, 0, false}
		working       = conn{"in storage", phaseWork, time.Minute, time.Minute, 0, false}
		answering     = conn{"answering 100 ms", phaseWork, time.Second, time.Second, 100 * time.Millisecond, false}
		refusedByGo   = conn{"refused before the handler, quiet", phaseWork, 2 * time.Second, 1500 * time.Millisecond, 0, true}
		awaitingNew   = conn{"before the handler 10 ms", phaseWork, 10 * time.Millisecond, 10 * time.Millisecond, 0, true}
	)
	tests := []struct {
		name  string
		conns []conn
		want  string // "" for none
	}{
		{"refused and quiet first", []conn{working, idleLonger, silent, stalled, refusedQuiet}, refusedQuiet.name},
		{"then the idle longest", []conn{working, idle, idleLonger, silent, stalled, discarding}, idleLonger.name},
		{"a refused one pausing briefly after the idle", []conn{working, refusedPause, idle}, idle.name},
		{"a refused one pausing before one still sending", []conn{working, discarding, refusedPause, fresh}, refusedPause.name},
		{"then the silent", []conn{working, silent, stalled, discarding, fresh}, silent.name},
		{"then a stalled body", []conn{working, stalled, discarding, fresh}, stalled.name},
		{"an unread answer as a stalled body", []conn{working, answering, unread, discarding, fresh}, unread.name},
		{"then the oldest new one", []conn{working, discarding, newest, fresh, arriving}, fresh.name},
		{"last a refused one still sending", []conn{working, discarding, newest, arriving}, discarding.name},
		{"the one refused last of those", []conn{working, discarding, discardingNew, newest}, discardingNew.name},
		{"none while all serve", []conn{working, answering, newest, arriving, awaitingNew}, ""},
		{"refused before the handler as refused", []conn{working, idleLonger, refusedByGo}, refusedByGo.name},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Now()
			l := newConnLimit(nil, len(tt.conns))
			names := map[*trackedConn]string{}
			for _, c := range tt.conns {
				tc := &trackedConn{}
				tc.phase.Store(c.phase)
				tc.since.Store(now.Add(-c.age).UnixNano())
				tc.lastRead.Store(now.Add(-c.quiet).UnixNano())
				if c.write > 0 {
					tc.writing.Store(now.Add(-c.write).UnixNano())
				}
				tc.awaiting.Store(c.await)
				l.conns[tc] = struct{}{}
				names[tc] = c.name
			}
			got := ""
			if v := l.evictable(now.UnixNano()); v != nil {
				got = names[v]
			}
			if got != tt.want {
				t.Errorf("evicted %q, want %q", got, tt.want)
			}
		})
	}
}

// TestMaxConnsFollowsMemory: the default cap is what the memory left allows, and no more than
// half the descriptors.
func TestMaxConnsFollowsMemory(t *testing.T) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
	byFiles := int(rl.Cur / 2)
	tests := []struct {
		limit    int64
		inflight int64
		want     int
	}{
		{128 << 20, 32 << 20, (128<<20 - 32<<20 - baseMemory) / ConnMemory},
		{256 << 20, 32 << 20, (256<<20 - 32<<20 - baseMemory) / ConnMemory},
		{64 << 20, 32 << 20, 128},
		{32 << 20, 32 << 20, 16}, // at least 16
	}
	for _, tt := range tests {
		got := MaxConns(tt.inflight, tt.limit)
		if want := max(min(tt.want, byFiles), 16); got != want {
			t.Errorf("MaxConns(%d) under %d MiB = %d, want %d", tt.inflight, tt.limit>>20, got, want)
		}
	}
}
