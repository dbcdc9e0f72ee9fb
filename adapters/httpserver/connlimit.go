package httpserver

import (
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// evictAfter is how long a connection may stay silent (no request yet, or a body that stalled),
// or leave its answer unread (a write blocked on a full window), before it is the first to be
// closed to make room.
const evictAfter = time.Second

// freshGrace is how long a new connection is given to send its request's headers before it
// may be closed to make room, when nothing else can be.
const freshGrace = 100 * time.Millisecond

// The phases of a connection, as the cap sees them; each but phaseWork is evictable.
const (
	phaseNew     int32 = iota // accepted, its request's headers not all in
	phaseIdle                 // keep-alive, between requests
	phaseWork                 // a request being served: authorization, storage, the answer
	phaseBody                 // its body being read: evictable once stalled for evictAfter
	phaseRefused              // answered already; the rest of its body being discarded
)

// trackedConn is a connection with what the cap needs to choose whom to close: its phase,
// since when, when it last delivered bytes, and since when a write waits for its client to
// read.
type trackedConn struct {
	net.Conn
	phase    atomic.Int32
	since    atomic.Int64 // unix nanoseconds: the start of the phase
	lastRead atomic.Int64 // unix nanoseconds: the last read that returned bytes
	writing  atomic.Int64 // unix nanoseconds: the start of a write not returned yet; 0: none
	evicted  atomic.Bool  // closed by the cap
	idled    atomic.Bool  // idle or new since the last read: its heads are counted again
	awaiting atomic.Bool  // active, its request not at the handler yet
	heads    headLines    // the lines of its request heads; only Read uses it
}

func (c *trackedConn) Write(b []byte) (int, error) {
	c.writing.Store(time.Now().UnixNano())
	defer c.writing.Store(0)
	return c.Conn.Write(b)
}

// Read reads from the connection; a head of more than MaxHeadLines lines, read while no
// body is (new, idle, or serving a request), fails the read.
func (c *trackedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.lastRead.Store(time.Now().UnixNano())
		if c.idled.Swap(false) {
			c.heads.resume()
		}
		if p := c.phase.Load(); (p == phaseNew || p == phaseIdle || p == phaseWork) && !c.heads.scan(b[:n]) {
			return 0, errHeadLines
		}
	}
	return n, err
}

// CloseWrite half-closes a TCP connection, so that net/http can close gracefully: the client
// reads the answer before the connection ends.
func (c *trackedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *trackedConn) enter(phase int32) {
	now := time.Now().UnixNano()
	c.since.Store(now)
	if phase == phaseBody || phase == phaseRefused {
		c.lastRead.Store(now) // the body's clock starts now
	}
	if phase == phaseNew || phase == phaseIdle {
		c.idled.Store(true)
	}
	if phase == phaseWork && c.phase.Load() != phaseBody {
		c.awaiting.Store(true) // a new request, before the handler
	}
	c.phase.Store(phase)
}

type connKey struct{}

// connOf returns the tracked connection that carries r, or nil (a server without the cap).
func connOf(r *http.Request) *trackedConn {
	c, _ := r.Context().Value(connKey{}).(*trackedConn)
	return c
}

// connLimit is a listener that holds at most max connections. At the cap, a newcomer makes it
// close one that serves nobody, in the order of evictable's ranks; only when every connection
// serves a request (authorized, its body arriving, or in storage) does the newcomer wait.
// docs/server.md, "Limits of the server", says why the order is what it is.
type connLimit struct {
	net.Listener
	closed atomic.Bool
	max    int
	mu     sync.Mutex
	conns  map[*trackedConn]struct{}
	room   chan struct{} // a connection ended

	testHookEvicted func() // runs each time a connection is closed to make room
}

func newConnLimit(ln net.Listener, max int) *connLimit {
	return &connLimit{Listener: ln, max: max, conns: map[*trackedConn]struct{}{}, room: make(chan struct{}, 1)}
}

// limit makes srv hold at most max connections of ln, and returns the listener to serve.
func limit(srv *http.Server, ln net.Listener, max int) *connLimit {
	l := newConnLimit(ln, max)
	srv.ConnState = l.track
	h := srv.Handler
	srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c := connOf(r); c != nil {
			c.awaiting.Store(false)
		}
		h.ServeHTTP(w, r)
	})
	srv.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, c)
	}
	return l
}

// Accept accepts the next connection, then makes room for it if the cap is reached: it closes
// the most evictable of the others, or waits until one is, or until one ends. Meanwhile the
// new connection is held, unserved: the cap is exceeded by this one alone.
func (l *connLimit) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	for {
		l.mu.Lock()
		if len(l.conns) < l.max {
			tc := &trackedConn{Conn: c}
			tc.enter(phaseNew)
			l.conns[tc] = struct{}{}
			l.mu.Unlock()
			return tc, nil
		}
		victim := l.evictable(time.Now().UnixNano())
		if victim != nil {
			delete(l.conns, victim)
		}
		l.mu.Unlock()
		if victim != nil {
			victim.evicted.Store(true)
			victim.Conn.Close()
			if l.testHookEvicted != nil {
				l.testHookEvicted()
			}
			continue
		}
		if l.closed.Load() { // shutting down: the newcomer is not served
			c.Close()
			return nil, net.ErrClosed
		}
		select {
		case <-l.room:
		case <-time.After(evictAfter / 8):
		}
	}
}

// Close closes the listener; a newcomer waiting for room is closed too.
func (l *connLimit) Close() error {
	l.closed.Store(true)
	return l.Listener.Close()
}

// evictable returns the connection to close to make room, or nil. The caller holds mu.
func (l *connLimit) evictable(now int64) *trackedConn {
	const ( // the ranks, the first closed first; within one, the longest in it
		refused    = iota // refused, and quiet for evictAfter
		idle              // keep-alive, between requests
		silent            // its request's headers not all in after evictAfter
		stalled           // its body stalled, or its answer left unread, for evictAfter
		pausing           // refused, its discarded body quiet for freshGrace
		fresh             // its headers not all in after freshGrace
		discarding        // refused, its body still arriving: the one refused last first
		none
	)
	best, bestRank, bestSince := (*trackedConn)(nil), none, int64(0)
	for c := range l.conns {
		rank, since := none, c.since.Load()
		phase := c.phase.Load()
		if phase == phaseWork && c.awaiting.Load() && now-since >= int64(freshGrace) {
			phase = phaseRefused // refused by Go's server before the handler (417), which reads the body
		}
		switch phase {
		case phaseRefused:
			switch last := c.lastRead.Load(); {
			case now-last >= int64(evictAfter):
				rank, since = refused, last
			case now-last >= int64(freshGrace):
				rank, since = pausing, last
			default: // the one refused last first: the others are nearer their body's end
				rank, since = discarding, -since
			}
		case phaseIdle:
			rank = idle
		case phaseNew:
			switch age := now - since; {
			case age >= int64(evictAfter):
				rank = silent
			case age >= int64(freshGrace):
				rank = fresh
			}
		case phaseBody:
			if last := c.lastRead.Load(); now-last >= int64(evictAfter) {
				rank, since = stalled, last
			}
		}
		if w := c.writing.Load(); w != 0 && now-w >= int64(evictAfter) && rank > stalled {
			rank, since = stalled, w
		}
		if rank < bestRank || rank == bestRank && rank != none && since < bestSince {
			best, bestRank, bestSince = c, rank, since
		}
	}
	return best
}

// track follows the connections' states (http.Server.ConnState).
func (l *connLimit) track(c net.Conn, s http.ConnState) {
	tc, ok := c.(*trackedConn)
	if !ok {
		return
	}
	switch s {
	case http.StateNew:
		tc.enter(phaseNew)
	case http.StateActive:
		tc.enter(phaseWork)
	case http.StateIdle:
		tc.enter(phaseIdle)
	case http.StateClosed, http.StateHijacked:
		l.mu.Lock()
		_, held := l.conns[tc]
		delete(l.conns, tc)
		l.mu.Unlock()
		if held {
			select {
			case l.room <- struct{}{}:
			default:
			}
		}
	}
}
