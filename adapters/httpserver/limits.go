package httpserver

import (
	"sync"
	"syscall"
	"time"
)

// DefaultMaxInflightBytes bounds the bytes of request bodies the server holds at once, so that
// a 128 MB container survives any mix of requests: 32 MiB.
const DefaultMaxInflightBytes = 32 << 20

// bytesInFlight is a budget of body bytes: a request reserves its body's size before reading
// it, or is turned away. Each client's share is max/(n+1), n the clients holding bytes, itself
// included, so that a client that holds its whole share always leaves room for another (max/n
// once every token entry holds some); a client holding nothing may always take one body, if
// the bytes are free.
type bytesInFlight struct {
	mu       sync.Mutex
	max      int64
	used     int64
	holders  int           // clients holding bytes
	entries  int           // token entries: the clients there can be (1 when unknown)
	lent     int64         // of used, lent to PATCHes for parts in flight (lend)
	returned chan struct{} // closed when bytes come back, lent or held; nil: nobody waits
}

// Outcomes of a reservation.
const (
	reserved  = iota
	busy      // the budget is spent: 503
	overShare // the client's share is spent: 429
)

// reserve takes n bytes of the budget for c (nil: no client), if they are free and within c's
// share.
func (b *bytesInFlight) reserve(c *client, n int64) int {
	var deadline <-chan time.Time // made at the first wait: most reservations never wait
	for {
		b.mu.Lock()
		r := b.take(c, n)
		if r != busy || b.used-b.lent+n > b.max {
			b.mu.Unlock()
			return r
		}
		// Busy only for bytes lent to PATCHes, each returned once its part is written; any
		// bytes that come back meanwhile, lent or held, may make room.
		if b.returned == nil {
			b.returned = make(chan struct{})
		}
		returned := b.returned
		b.mu.Unlock()
		if deadline == nil {
			t := time.NewTimer(lentWait)
			defer t.Stop()
			deadline = t.C
		}
		select {
		case <-returned:
		case <-deadline:
			b.mu.Lock()
			defer b.mu.Unlock()
			return b.take(c, n) // room made as the wait ended is taken too
		}
	}
}

// lentWait bounds how long a reservation waits for bytes lent to PATCHes (a part's write).
const lentWait = 2 * time.Second

// lend takes n bytes for c, lent while a part of its PATCH is written: only within c's share
// among the clients holding bytes now (lent bytes come back within a part's write, and a
// reservation waits for them: no room need be kept for a client yet to come), and only if the
// budget keeps keep bytes free besides, so that another client's first body finds room at once.
func (b *bytesInFlight) lend(c *client, n, keep int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c == nil || c.bytes == 0 || b.used+n+keep > b.max {
		return false
	}
	if share := b.max / int64(b.holders); c.bytes+n > share {
		return false
	}
	b.used, c.bytes, b.lent = b.used+n, c.bytes+n, b.lent+n
	return true
}

// giveBack returns n bytes that lend took for c.
func (b *bytesInFlight) giveBack(c *client, n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used, c.bytes, b.lent = b.used-n, c.bytes-n, b.lent-n
	b.wake()
}

// wake wakes the reservations waiting for bytes, under the budget's mutex.
func (b *bytesInFlight) wake() {
	if b.returned != nil {
		close(b.returned)
		b.returned = nil
	}
}

// take is reserve, under the budget's mutex.
func (b *bytesInFlight) take(c *client, n int64) int {
	if b.used+n > b.max {
		return busy
	}
	if c != nil && c.bytes > 0 {
		if share := b.max / int64(shareDivisor(b.holders-1, b.entries)); c.bytes+n > share {
			return overShare
		}
	}
	b.used += n
	if c != nil {
		if c.bytes == 0 {
			b.holders++
		}
		c.bytes += n
	}
	return reserved
}

// release gives back n bytes that reserve took for c.
func (b *bytesInFlight) release(c *client, n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	if c != nil {
		if c.bytes -= n; c.bytes == 0 {
			b.holders--
		}
	}
	b.wake() // a reservation waiting for lent bytes may fit in these
}

// Memory the connection cap assumes, and what it leaves aside.
const (
	// DefaultMemory is the memory a Server assumes when neither its caller nor anything else
	// says: the 128 MiB container docs/server.md documents.
	DefaultMemory = 128 << 20
	// baseMemory is the process's own: the runtime, the store's clients, the answers.
	baseMemory = 24 << 20
	// ConnMemory is the memory an open connection may take at worst: its goroutine, its
	// read and write buffers and a request's headers up to MaxHeaderBytes, parsed.
	ConnMemory = 64 << 10
)

// MinAutoConns is the smallest default cap the server starts with (see ConnsByMemory): new
// connections whose head is not in after freshGrace are the ones closed to make room during a
// flood, so that a cap of n lets a client whose head takes a round trip in while a flood opens
// fewer than n/freshGrace connections a second (2,560 at 256), and holds a quarter of the
// default's 1,152 for drops in flight.
const MinAutoConns = 256

// ConnsByMemory returns the connections that memory bytes allow once the budget of bodies in
// flight and the process's own are set aside (ConnMemory each).
func ConnsByMemory(inflightBytes, memory int64) int64 {
	return max((memory-inflightBytes-baseMemory)/ConnMemory, 0)
}

// MaxConns returns the default cap on open connections for a process that may use memory
// bytes: ConnsByMemory, and never more than ConnsByFiles; at least 16.
func MaxConns(inflightBytes, memory int64) int {
	byFiles, _ := ConnsByFiles()
	return int(max(min(ConnsByMemory(inflightBytes, memory), byFiles), 16))
}

// ConnsByFiles returns the connections the descriptor limit allows, half of it (the other half
// for the store's files and S3's connections), and that limit (0: unknown, 512 assumed).
func ConnsByFiles() (conns, limit int64) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err == nil && rl.Cur > 0 {
		return int64(min(rl.Cur/2, 1<<20)), int64(min(rl.Cur, 1<<40))
	}
	return 512, 0
}
