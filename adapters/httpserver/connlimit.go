package httpserver

import (
	"bytes"
	"context"
	"fmt"
	"io"
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
	since    atomic.Int64           // unix nanoseconds: the start of the phase
	lastRead atomic.Int64           // unix nanoseconds: the last read that returned bytes
	writing  atomic.Int64           // unix nanoseconds: the start of a write not returned yet; 0: none
	evicted  atomic.Bool            // closed by the cap
	awaiting atomic.Bool            // active, its request not at the handler yet
	client   atomic.Pointer[client] // whose request it carried last, once admitted
	heads    headLines              // the framing of its requests; only Read uses it
	readErr  error                  // the bytes broke a bound of the framing: every read from now on fails
	rest     []byte                 // the bytes of the read that broke it, from the line at fault
}

func (c *trackedConn) Write(b []byte) (int, error) {
	c.writing.Store(time.Now().UnixNano())
	defer c.writing.Store(0)
	return c.Conn.Write(b)
}

// Read reads from the connection; bytes that break the bounds of a head (more than
// MaxHeadLines lines, a folded field) or of a chunked body's trailer fail the read, whatever
// the request's phase.
// A head refused so is answered by the connection itself (see refuseHead), while Go's server
// reads a head and nothing else writes; what came before the line at fault is served first (a
// drop whose body it follows, say).
func (c *trackedConn) Read(b []byte) (int, error) {
	if c.readErr != nil {
		return 0, c.refuse()
	}
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.lastRead.Store(time.Now().UnixNano())
		if k, serr := c.heads.scan(b[:n]); serr != nil {
			c.readErr, c.rest = serr, bytes.Clone(b[k:n])
			if k == 0 {
				return 0, c.refuse()
			}
			return k, nil
		}
	}
	return n, err
}

// refuse returns the read error of a connection whose bytes broke a bound: a head read
// between requests is answered here (refuseHead); else the error, for Go's server to close
// the connection (a body's read fails, and its answer closes it).
func (c *trackedConn) refuse() error {
	if p := c.phase.Load(); p != phaseNew && p != phaseIdle || c.rest == nil {
		return c.readErr
	}
	c.refuseHead()
	c.rest = nil
	return io.EOF // Go's server closes the connection without a word
}

// headRefusals are the answers to heads refused by their framing.
var headRefusals = map[error]struct {
	status int
	msg    string
}{
	errHeadBytes: {http.StatusRequestHeaderFieldsTooLarge, fmt.Sprintf("The request's head is too large: at most %d bytes, with the request line\n", maxHeadBytes)},
	errHeadLines: {http.StatusBadRequest, fmt.Sprintf("The request's head has too many lines: at most %d, with the request line\n", MaxHeadLines)},
	errObsFold:   {http.StatusBadRequest, "A header field is folded over lines (a line starts with a space or a tab): send each field on one line\n"},
}

// refuseHead answers a head refused by its framing, then reads and throws away the rest of
// the head and of the body it declares (up to DiscardLimit in all, each read within BodyGrace,
// all within ReadTimeout), as a refused drop's body is: a client that writes its whole request
// before it reads then reads its answer, rather than a reset. Meanwhile the connection is
// refused, for the cap (see evictable).
func (c *trackedConn) refuseHead() {
	r, ok := headRefusals[c.readErr]
	if !ok {
		return
	}
	c.enter(phaseRefused)
	c.Conn.SetWriteDeadline(time.Now().Add(WriteTimeout))
	fmt.Fprintf(c.Conn, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		r.status, http.StatusText(r.status), len(r.msg), r.msg)
	h := &c.heads
	h.lenient = true
	ends := h.ends
	h.scan(c.rest)
	start, total := time.Now(), len(c.rest)
	buf := make([]byte, 4<<10)
	for h.ends == ends && total <= DiscardLimit && !(h.part == inBody && h.left > DiscardLimit) {
		now := time.Now()
		deadline := now.Add(BodyGrace)
		if end := start.Add(ReadTimeout); end.Before(deadline) {
			deadline = end
		}
		c.Conn.SetReadDeadline(deadline)
		n, err := c.Conn.Read(buf)
		if n > 0 {
			c.lastRead.Store(now.UnixNano())
			total += n
			h.scan(buf[:n])
		}
		if err != nil {
			return
		}
	}
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
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
// close one that serves nobody, in the order of evictable's ranks, or last the body begun last
// of a client over its share of the connections (topHolder); only when every connection
// serves a request (authorized, its body arriving, or in storage) and no client holds more
// than its share does the newcomer wait. docs/server.md, "Limits of the server", says why the
// order is what it is.
type connLimit struct {
	net.Listener
	closed  atomic.Bool
	max     int
	mu      sync.Mutex
	conns   map[*trackedConn]struct{}
	room    chan struct{} // a connection ended
	clients int           // token entries: with more than one, a client over its share makes room
	full    atomic.Uint64 // newcomers that found the cap reached
	waited  atomic.Uint64 // newcomers that found every connection serving a request: they waited

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
	counted := false // in full (and waited)
	for {
		l.mu.Lock()
		if len(l.conns) < l.max {
			tc := &trackedConn{Conn: c}
			tc.enter(phaseNew)
			l.conns[tc] = struct{}{}
			l.mu.Unlock()
			return tc, nil
		}
		if !counted {
			l.full.Add(1)
		}
		victim := l.evictable(time.Now().UnixNano())
		if victim != nil {
			delete(l.conns, victim)
		} else if !counted && l.allServing() {
			l.waited.Add(1)
		}
		counted = true
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

// allServing reports whether every connection serves a request (authorized, its body
// arriving, or in storage): nothing is new, idle or refused. The caller holds mu.
func (l *connLimit) allServing() bool {
	for c := range l.conns {
		if p := c.phase.Load(); p != phaseWork && p != phaseBody {
			return false
		}
	}
	return true
}

// stats returns the connections open and the cap, and the newcomers that found the cap
// reached, and those of them that found every connection serving a request.
func (l *connLimit) stats() ConnStats {
	l.mu.Lock()
	open := len(l.conns)
	l.mu.Unlock()
	return ConnStats{Open: open, Max: l.max, Full: l.full.Load(), Waited: l.waited.Load()}
}

// ConnStats are the connection cap's figures (Server.ConnStats).
type ConnStats struct {
	Open, Max    int
	Full, Waited uint64 // newcomers that found the cap reached; of those, that waited for room
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
		hog               // its body arriving, for the client that holds the most connections, over its share
		none
	)
	top := l.topHolder()
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
			} else if top != nil && c.client.Load() == top {
				rank, since = hog, -since // the body begun last: the least read is lost
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

// topHolder returns the client whose requests hold the most connections being served, if it
// holds more than its share of the cap, max/(n+1) for n clients holding any (max/n once every
// token entry holds some): a newcomer, whose client is not known before its head is read, may
// be another client's. The caller holds mu.
func (l *connLimit) topHolder() *client {
	held := map[*client]int{}
	var top *client
	for c := range l.conns {
		if p := c.phase.Load(); p != phaseBody && p != phaseWork {
			continue
		}
		if cl := c.client.Load(); cl != nil {
			if held[cl]++; top == nil || held[cl] > held[top] {
				top = cl
			}
		}
	}
	if top == nil || l.clients <= 1 || held[top] <= l.max/shareDivisor(len(held)-1, l.clients) {
		return nil
	}
	return top
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
