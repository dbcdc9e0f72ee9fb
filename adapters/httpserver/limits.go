package httpserver

import (
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// DefaultMaxInflightBytes bounds the bytes of request bodies the server holds at once, so that
// a 128 MB container survives any mix of requests: 32 MiB.
const DefaultMaxInflightBytes = 32 << 20

// bytesInFlight is a budget of body bytes: a request reserves its body's size before reading
// it, or is turned away.
type bytesInFlight struct {
	mu   sync.Mutex
	max  int64
	used int64
}

// reserve takes n bytes of the budget, if they are free.
func (b *bytesInFlight) reserve(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.max {
		return false
	}
	b.used += n
	return true
}

func (b *bytesInFlight) release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
}

// MaxConns returns the default cap on open connections: half the process's descriptor limit,
// the other half left for the store's files and S3's connections.
func MaxConns() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur == 0 {
		return 512
	}
	return int(max(min(rl.Cur/2, 1<<20), 16))
}

// evictAfter is how long a new connection may stay silent before it can be closed to make room.
const evictAfter = time.Second

// connLimit is a listener that holds at most max connections: at the cap, it closes an idle
// keep-alive connection (the one idle longest), or one that has sent nothing for evictAfter,
// before it accepts another; if every connection is busy, it waits for one to end. So idle
// connections can never lock a new client out.
type connLimit struct {
	net.Listener
	max   int
	mu    sync.Mutex
	conns map[net.Conn]*connInfo
	room  chan struct{} // a connection ended
}

type connInfo struct {
	state http.ConnState
	since time.Time
}

func newConnLimit(ln net.Listener, max int) *connLimit {
	return &connLimit{Listener: ln, max: max, conns: map[net.Conn]*connInfo{}, room: make(chan struct{}, 1)}
}

// Accept waits for room, making it if it can, then accepts.
func (l *connLimit) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		if len(l.conns) < l.max {
			l.mu.Unlock()
			break
		}
		victim := l.evictable()
		if victim != nil {
			delete(l.conns, victim)
		}
		l.mu.Unlock()
		if victim != nil {
			victim.Close()
			continue
		}
		select {
		case <-l.room:
		case <-time.After(evictAfter / 4):
		}
	}
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.conns[c] = &connInfo{state: http.StateNew, since: time.Now()}
	l.mu.Unlock()
	return c, nil
}

// evictable returns the connection to close to make room, or nil. The caller holds mu.
func (l *connLimit) evictable() net.Conn {
	var idle, silent net.Conn
	var idleSince, silentSince time.Time
	now := time.Now()
	for c, i := range l.conns {
		switch {
		case i.state == http.StateIdle && (idle == nil || i.since.Before(idleSince)):
			idle, idleSince = c, i.since
		case i.state == http.StateNew && now.Sub(i.since) >= evictAfter && (silent == nil || i.since.Before(silentSince)):
			silent, silentSince = c, i.since
		}
	}
	if idle != nil {
		return idle
	}
	return silent
}

// track follows the connections' states (http.Server.ConnState).
func (l *connLimit) track(c net.Conn, s http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch s {
	case http.StateClosed, http.StateHijacked:
		if _, ok := l.conns[c]; ok {
			delete(l.conns, c)
			select {
			case l.room <- struct{}{}:
			default:
			}
		}
	default:
		if i, ok := l.conns[c]; ok {
			i.state, i.since = s, time.Now()
		}
	}
}
