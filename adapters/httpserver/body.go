package httpserver

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
)

// The pace a body must keep once the headers are in: BodyGrace for its first bytes, then
// MinBodyRate bytes a second, or for a long body half the rate that brings it whole within
// ReadTimeout, never pausing longer than BodyGrace. A body behind it is answered 408 and its
// connection closed. docs/server.md, "Limits of the server", says why these figures.
const (
	MinBodyRate = 8 << 10 // bytes a second
	BodyGrace   = 2 * time.Second
)

// DiscardLimit is the largest body (declared, or chunked) read and thrown away after a refusal
// on the headers, so that a client that writes its whole body before it reads can read the answer:
// 16 MiB, the largest payload any deployment accepts and room for one a naive client sends
// over it. A longer one is not read: its connection closes after the answer.
const DiscardLimit = 16 << 20

// paced reads from r at the body's pace: each read must end by start + BodyGrace + the bytes
// read so far at rate, within BodyGrace of its own start, and by end; past that, it fails
// with os.ErrDeadlineExceeded.
type paced struct {
	r          io.Reader
	rc         *http.ResponseController
	start, end time.Time
	rate       int64 // bytes a second
	n          int64
}

// paceFor returns the pace of a body of length bytes read from start: half the rate it needs
// to be whole by end after its BodyGrace, MinBodyRate at least.
func paceFor(length int64, start, end time.Time) int64 {
	rate := int64(MinBodyRate)
	if window := end.Sub(start) - BodyGrace; window > 0 {
		rate = max(rate, length*int64(time.Second)/int64(2*window)+1)
	}
	return rate
}

func (p *paced) Read(b []byte) (int, error) {
	deadline := p.start.Add(BodyGrace + time.Duration(p.n)*time.Second/time.Duration(p.rate))
	if pause := time.Now().Add(BodyGrace); pause.Before(deadline) {
		deadline = pause
	}
	if p.end.Before(deadline) {
		deadline = p.end
	}
	p.rc.SetReadDeadline(deadline)
	n, err := p.r.Read(b)
	p.n += int64(n)
	return n, err
}

// body reads a request's body through a cap, so that a client cannot make the server read
// more than the limit and a byte, whatever Content-Length says; within the server's budget of
// bytes in flight, reserved before the read and released when the drop is done; and at the
// minimum pace.
type body struct {
	r        *http.Request
	rc       *http.ResponseController
	conn     *trackedConn // nil without the connection cap
	budget   *bytesInFlight
	client   *client   // set once admitted; nil: none
	start    time.Time // the request's
	reserved int64
	started  bool // reading began
	whole    bool // read to its end
}

func newBody(w http.ResponseWriter, r *http.Request, budget *bytesInFlight) *body {
	return &body{r: r, rc: http.NewResponseController(w), conn: connOf(r), budget: budget, start: time.Now()}
}

func (b *body) Read(max int) ([]byte, error) {
	size := max + 1
	if cl := b.r.ContentLength; cl >= 0 && cl < int64(max) {
		size = int(cl) + 1 // room to see EOF without growing
	}
	switch b.budget.reserve(b.client, int64(size)) {
	case busy:
		return nil, domain.Errorf(domain.EBusy, "The server holds too many payloads at the moment: the payload was not stored. Please retry later")
	case overShare:
		return nil, refuseTooMany(1, "This client's payloads in flight hold its share of the server's memory: the payload was not stored. Please retry after 1 s")
	}
	b.reserved = int64(size)
	b.started = true
	if b.conn != nil {
		b.conn.enter(phaseBody)
	}
	buf := make([]byte, 0, size)
	now, end := time.Now(), b.start.Add(ReadTimeout)
	src := io.LimitReader(&paced{r: b.r.Body, rc: b.rc, start: now, end: end, rate: paceFor(int64(size-1), now, end)}, int64(max)+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := src.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			b.whole = true
			b.rc.SetReadDeadline(time.Time{}) // storage may take longer than the body did
			if b.conn != nil {
				b.conn.enter(phaseWork)
			}
			return buf, nil
		}
		if err != nil {
			return nil, b.readError(err)
		}
	}
}

// slowBodyMessage is the answer to a body that fell behind its pace (see paced).
var slowBodyMessage = fmt.Sprintf("The request body arrived too slowly: after its first %d s, at least %d bytes a second are needed (more for a long body: half the rate that brings all of it within %d s of the request's start), and no pause of %d s",
	BodyGrace/time.Second, MinBodyRate, ReadTimeout/time.Second, BodyGrace/time.Second)

// readError says why a body could not be read: too slow (past its deadline, or closed by the
// cap while stalled), or cut short by the client.
func (b *body) readError(err error) error {
	if b.conn != nil && b.conn.evicted.Load() && b.conn.phase.Load() == phaseBody && b.lastReadRecent() {
		return refuseTooMany(1, "This client's requests held more connections than its share, and this one was closed to make room for another client: the payload was not stored. Please retry after 1 s")
	}
	if errors.Is(err, os.ErrDeadlineExceeded) || b.conn != nil && b.conn.evicted.Load() {
		return &domain.Error{Code: domain.ESlowBody, Err: err, Message: slowBodyMessage}
	}
	return &domain.Error{Code: domain.EClientGone, Err: err,
		Message: "The request body ended before its content-length: the client closed the connection"}
}

// lastReadRecent reports whether the connection delivered bytes within evictAfter: closed by
// the cap, it was not stalled.
func (b *body) lastReadRecent() bool {
	return time.Since(time.Unix(0, b.conn.lastRead.Load())) < evictAfter
}

// release gives the reserved bytes back.
func (b *body) release() {
	if b.reserved > 0 {
		b.budget.release(b.client, b.reserved)
		b.reserved = 0
	}
}

// discard sends the answer to a request refused on its headers now, then reads and throws
// away the rest of its body (declared or chunked, up to DiscardLimit, at the body's pace),
// holding no more than a small buffer: a client that writes its whole body before reading
// then reads the answer, rather than a reset. Meanwhile the connection is the first the cap
// closes, so that a refused client never keeps another out. A client that sent
// Expect: 100-continue is never told to continue (the answer came first), and one that waits
// for it sends nothing: the read ends at its client's close, or after BodyGrace; one that sent
// its body anyway reads its answer too.
func (b *body) discard() {
	r := b.r
	if b.conn != nil {
		b.conn.enter(phaseRefused)
	}
	b.rc.Flush()
	if r.ContentLength == 0 || r.ContentLength > DiscardLimit {
		return
	}
	now := time.Now()
	io.Copy(io.Discard, io.LimitReader(&paced{r: r.Body, rc: b.rc, start: now, end: now.Add(ReadTimeout), rate: MinBodyRate}, DiscardLimit+1))
}
