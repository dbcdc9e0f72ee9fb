package httpserver

import (
	"sync"
	"syscall"
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

// MaxConns returns the default cap on open connections for a process that may use memory
// bytes: what is left once the budget of bodies in flight and the process's own are set aside
// (ConnMemory each), and never more than half the descriptor limit (the other half for the
// store's files and S3's connections); at least 16.
func MaxConns(inflightBytes, memory int64) int {
	byMemory := (memory - inflightBytes - baseMemory) / ConnMemory
	byFiles := int64(512)
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err == nil && rl.Cur > 0 {
		byFiles = int64(min(rl.Cur/2, 1<<20))
	}
	return int(max(min(byMemory, byFiles), 16))
}
