package httpserver

import (
	"testing"
	"time"
)

// TestCapMakesRoomAtTheTopHoldersExpense: at a cap of 6, every connection serving a request,
// alice holding 5 (her bodies arriving) and bob 1 of two token entries, a newcomer makes room
// by closing alice's body begun last; with 3 each, both within their share (6/2: every entry
// holds some), nothing is closed, nor with a single token entry: the newcomer waits; with a
// third entry that could come, 3 each is over the share (6/3) and one is closed.
func TestCapMakesRoomAtTheTopHoldersExpense(t *testing.T) {
	anyOf := &trackedConn{} // some connection, not nil
	now := time.Now().UnixNano()
	alice, bob := &client{id: "alice"}, &client{id: "bob"}
	conn := func(c *client, phase int32, started int64) *trackedConn {
		tc := &trackedConn{}
		tc.phase.Store(phase)
		tc.since.Store(started)
		tc.lastRead.Store(now) // bytes arriving: not stalled
		tc.client.Store(c)
		return tc
	}
	tests := []struct {
		name    string
		clients int
		conns   func() ([]*trackedConn, *trackedConn) // the connections, and the one to close
	}{
		{"alice holds 5 of 6", 2, func() ([]*trackedConn, *trackedConn) {
			last := conn(alice, phaseBody, now-1)
			return []*trackedConn{conn(alice, phaseBody, now-5), conn(alice, phaseBody, now-4), conn(alice, phaseWork, now-3), conn(alice, phaseBody, now-2), last, conn(bob, phaseBody, now-1)}, last
		}},
		{"alice and bob hold 3 each", 2, func() ([]*trackedConn, *trackedConn) {
			return []*trackedConn{conn(alice, phaseBody, now-5), conn(alice, phaseBody, now-4), conn(alice, phaseBody, now-3), conn(bob, phaseBody, now-2), conn(bob, phaseBody, now-1), conn(bob, phaseBody, now-1)}, nil
		}},
		{"alice and bob hold 3 each, a third entry", 3, func() ([]*trackedConn, *trackedConn) {
			cs := []*trackedConn{conn(alice, phaseBody, now-5), conn(alice, phaseBody, now-4), conn(alice, phaseBody, now-3), conn(bob, phaseBody, now-2), conn(bob, phaseBody, now-1), conn(bob, phaseBody, now-1)}
			return cs, anyOf
		}},
		{"one token entry", 1, func() ([]*trackedConn, *trackedConn) {
			return []*trackedConn{conn(alice, phaseBody, now-5), conn(alice, phaseBody, now-4), conn(alice, phaseBody, now-3), conn(alice, phaseBody, now-2), conn(alice, phaseBody, now-1), conn(alice, phaseBody, now-1)}, nil
		}},
	}
	for _, tt := range tests {
		l := newConnLimit(nil, 6)
		l.clients = tt.clients
		conns, want := tt.conns()
		for _, c := range conns {
			l.conns[c] = struct{}{}
		}
		if got := l.evictable(now); want == anyOf && got == nil || want != anyOf && got != want {
			t.Errorf("%s: closes %p, want %p", tt.name, got, want)
		}
	}
}
