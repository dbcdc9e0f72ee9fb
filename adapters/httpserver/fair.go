package httpserver

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
)

// Rate is a client's allowance of drops: PerSecond on average, Burst at once.
type Rate struct {
	PerSecond float64
	Burst     int
}

// client is what the server holds for one client (a token entry, see ports.Admission): its
// drops in progress (from authorization to the answer: the body read and the storage), its
// bytes of bodies in flight, its rate. Its fields are guarded by the fairShares' mutex, bytes
// by the budget's.
type client struct {
	id     string
	drops  int     // admitted and not done
	bytes  int64   // reserved of the budget (bytesInFlight's mutex)
	tokens float64 // of its rate's bucket
	last   time.Time
	rate   *Rate // nil: unlimited
}

// fairShares gives each client a fair share of the drops in progress: a client may have at most
// slots/(n+1) drops in progress, n the clients with drops in progress, itself included, so that
// a client that holds its whole share always leaves room for one more client (slots/n once
// every token entry has drops in progress: nobody else can come); over it, or over its rate, a
// request is answered 429 with Retry-After, and nothing else waits. Clients are never
// forgotten: they are the token entries, a bounded set.
type fairShares struct {
	mu      sync.Mutex
	slots   int // drops in progress at once, all clients together: the connection cap; 0: no share
	entries int // token entries: the clients there can be (1 when unknown)
	rates   map[string]Rate
	clients map[string]*client
	active  int // clients with drops in progress
	now     func() time.Time
}

// maxRetryAfter bounds the seconds a client over its rate is told to wait (some 68 years): a
// rate slow enough would overflow them.
const maxRetryAfter = 1<<31 - 1

// tooMany is the refusal of a client over its share or rate.
type tooMany struct{ after int }

func (t tooMany) Error() string   { return fmt.Sprintf("over its share: retry after %d s", t.after) }
func (t tooMany) RetryAfter() int { return t.after }

func refuseTooMany(after int, format string, args ...any) error {
	return &domain.Error{Code: domain.ETooMany, Message: fmt.Sprintf(format, args...), Err: tooMany{after}}
}

// rateFor returns the rate of a client: its identity's, else its name's (an unnamed entry's
// "default#2" is "default"), else the default ("*"); nil: none.
func (f *fairShares) rateFor(id string) *Rate {
	name, _, _ := strings.Cut(id, "#")
	for _, k := range []string{id, name, "*"} {
		if r, ok := f.rates[k]; ok {
			return &r
		}
	}
	return nil
}

// admit admits a drop of the client id, or refuses it (429); done ends it.
func (f *fairShares) admit(id string) (c *client, done func(), err error) {
	return f.admitAs(id, true)
}

// admitAs admits a request of the client id in its share of the drops in progress, spending
// one of its rate's drops if rated; done ends it.
func (f *fairShares) admitAs(id string, rated bool) (c *client, done func(), err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c = f.clients[id]
	if c == nil {
		if f.clients == nil {
			f.clients = map[string]*client{}
		}
		c = &client{id: id, rate: f.rateFor(id)}
		if c.rate != nil {
			c.tokens, c.last = float64(c.rate.Burst), f.now()
		}
		f.clients[id] = c
	}
	if c.rate != nil && rated {
		now := f.now()
		c.tokens = min(float64(c.rate.Burst), c.tokens+now.Sub(c.last).Seconds()*c.rate.PerSecond)
		c.last = now
		if c.tokens < 1 {
			after := int(min(math.Ceil((1-c.tokens)/c.rate.PerSecond), maxRetryAfter))
			return nil, nil, refuseTooMany(after, "This client sends more drops than its rate, %g a second (bursts of %d): the payload was not stored. Please retry after %d s", c.rate.PerSecond, c.rate.Burst, after)
		}
	}
	if f.slots > 0 {
		others := f.active
		if c.drops > 0 {
			others--
		}
		if share := max(1, f.slots/shareDivisor(others, f.entries)); c.drops >= share {
			return nil, nil, refuseTooMany(1, "This client has %d drops in progress, its share of the server while %d clients send: the payload was not stored. Please retry after 1 s", c.drops, others+1)
		}
	}
	if c.rate != nil && rated {
		c.tokens--
	}
	if c.drops++; c.drops == 1 {
		f.active++
	}
	return c, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if c.drops--; c.drops == 0 {
			f.active--
		}
	}, nil
}

// shareDivisor returns what a resource is divided by for a client while others other clients
// hold some: their number and itself, and room for one more while there can be one (of
// entries clients in all).
func shareDivisor(others, entries int) int {
	if entries > others+1 {
		return others + 2
	}
	return others + 1
}

// admission is one request's ports.Admission: it holds the drop to its client's share, and
// tells the body and the connection whose they are.
type admission struct {
	fair *fairShares
	body *body
}

func (a admission) Admit(_ context.Context, id string) (func(), error) {
	c, done, err := a.fair.admit(id)
	if err != nil {
		return nil, err
	}
	a.body.client = c
	if a.body.conn != nil {
		a.body.conn.client.Store(c)
	}
	return done, nil
}

// uploadAdmission is one upload request's ports.Admission: a creation is held to its client's
// share of the requests in progress and spends one of its rate's drops (it begins an object);
// a PATCH is held to the share, not the rate (it continues one), and its body's bytes are
// reserved in its client's share of the budget.
type uploadAdmission struct {
	fair  *fairShares
	body  *body
	patch *streamBody // nil: a creation
}

func (a uploadAdmission) Admit(_ context.Context, id string) (func(), error) {
	c, done, err := a.fair.admitAs(id, a.patch == nil)
	if err != nil {
		return nil, err
	}
	a.body.client = c
	if a.body.conn != nil {
		a.body.conn.client.Store(c)
	}
	if a.patch != nil {
		if err := a.patch.reserve(); err != nil {
			done()
			return nil, err
		}
	}
	return done, nil
}

// Borrow lends a PATCH a part more of the budget (ports.PartLender); a creation borrows
// nothing.
func (a uploadAdmission) Borrow() bool { return a.patch != nil && a.patch.Borrow() }

// Return gives back a part that Borrow lent.
func (a uploadAdmission) Return() { a.patch.Return() }
