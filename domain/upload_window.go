package domain

import (
	"context"
	"sync"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// MaxPartsInFlight bounds the pieces of one PATCH being written at once, whatever its
// admission lends: past it a store's parts no longer go faster (docs/uploads.md, "Speed").
const MaxPartsInFlight = 4

// window holds the pieces of a PATCH being written to the store while the next is read, in
// order. A whole part on a part's place (or the upload's last bytes there) of a store that is
// a ports.PartWriter is written by WritePart, several at once, and added to the progress when
// it and every piece before it are written; any other piece is appended by AppendUpload, which
// needs the progress after every piece before it: alone. One piece is in flight while the next
// is read, and more while the PATCH's admission lends memory for them (ports.PartLender), a
// part at a time, each returned when its piece is written, up to MaxPartsInFlight: at most
// 2 + borrowed buffers are held. A piece's writer settles, as soon as its write ends, the
// pieces written in order up to it: a part lent for it goes back then, even while the body's
// next bytes are awaited. mu guards the window and st.
type window struct {
	mu       sync.Mutex
	ctx      context.Context
	u        *Uploads
	st       *uploadState
	pw       ports.PartWriter // nil: the store writes no part ahead of its progress
	lender   ports.PartLender // nil: nothing is lent
	part     int64
	size     int
	flight   []*piece
	free     [][]byte
	borrowed int   // parts lent, one to each of as many pieces in flight
	err      error // a piece's failure found by a writer (settleReady), answered by the next start or settle
}

// piece is one piece in flight: its bytes, the upload's SHA-256 state after it, and the
// store's answer, once written.
type piece struct {
	data     []byte
	hash     []byte
	byPart   bool // written by WritePart: added to the progress when settled
	borrowed bool // its memory is lent: returned when it is settled
	done     chan written
}

type written struct {
	p    ports.UploadProgress // AppendUpload's progress after the piece
	part ports.UploadPart     // WritePart's part
	err  error
}

func newWindow(ctx context.Context, u *Uploads, st *uploadState, adm ports.Admission, size int) *window {
	w := &window{ctx: ctx, u: u, st: st, part: int64(u.store.UploadPartSize()), size: size}
	w.pw, _ = u.store.(ports.PartWriter)
	w.lender, _ = adm.(ports.PartLender)
	return w
}

// buffer returns a buffer for the next piece: a free one, or a new one. Every buffer in
// flight is settled before it is handed out again.
func (w *window) buffer() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.free) > 0 {
		b := w.free[len(w.free)-1]
		w.free = w.free[:len(w.free)-1]
		return b[:cap(b)]
	}
	return make([]byte, w.size)
}

// room makes room for a piece written by WritePart: a part borrowed for it when one piece is in
// flight already (borrowed says so), else the oldest piece settled. No piece AppendUpload
// writes is in flight then: one that starts on a part's place is the body's last, and one that
// does not is settled as soon as it starts. mu is held.
func (w *window) room() (borrowed bool, err error) {
	if err := w.settleReady(); err != nil {
		return false, err
	}
	for len(w.flight) >= 1+w.borrowed {
		if w.lender != nil && len(w.flight) < MaxPartsInFlight && w.lender.Borrow() {
			w.borrowed++
			return true, nil
		}
		if err := w.settleOldest(); err != nil {
			return false, err
		}
	}
	return false, nil
}

// start writes data, the piece at off (the upload's last bytes if last; state the SHA-256
// state after it), in the background, once the window has room for it. It returns the
// error of a piece before it that failed: data is not written then.
func (w *window) start(off int64, data []byte, last bool, state []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	byPart := w.pw != nil && ports.CheckPart(w.st.Progress, off, len(data), int(w.part), last) == nil
	borrowed := false
	if byPart {
		var err error
		if borrowed, err = w.room(); err != nil {
			return err
		}
	} else if err := w.settleAll(); err != nil {
		return err
	}
	pc := &piece{data: data, hash: state, byPart: byPart, borrowed: borrowed, done: make(chan written, 1)}
	w.flight = append(w.flight, pc)
	progress := w.st.Progress
	go func() {
		var r written
		if pc.byPart {
			r.part, r.err = w.pw.WritePart(w.ctx, progress, off, data, last)
		} else {
			r.p, r.err = w.u.store.AppendUpload(w.ctx, progress, data, last)
		}
		pc.done <- r
		w.mu.Lock()
		defer w.mu.Unlock()
		w.settleReady() // a failure is answered by the next start or settle
	}()
	if off%w.part != 0 {
		// The store fills this piece up to a part with the bytes that waited: a part of its
		// own in memory, so nothing more is read meanwhile.
		return w.settleAll()
	}
	return nil
}

// settleOldest waits for the oldest piece in flight and records what the store kept in st;
// on a failure it waits for every other piece too, and keeps none of them. mu is held.
func (w *window) settleOldest() error {
	pc := w.flight[0]
	w.flight = w.flight[1:]
	r := <-pc.done
	if r.err == nil && pc.byPart {
		r.p, r.err = w.pw.AddPart(w.st.Progress, r.part, pc.data)
	}
	w.done(pc)
	if r.err != nil {
		for _, later := range w.flight {
			<-later.done
			w.done(later)
		}
		w.flight = nil
		return r.err
	}
	w.st.Progress, w.st.Offset = r.p, w.st.Offset+int64(len(pc.data))
	if pc.hash != nil { // nil: the store hashes (ports.UploadHasher)
		w.st.Hash = pc.hash
	}
	return nil
}

// done takes back a written piece's buffer, or lets it go with the part lent for it.
func (w *window) done(pc *piece) {
	if pc.borrowed {
		w.borrowed--
		w.lender.Return()
		return
	}
	w.free = append(w.free, pc.data)
}

// settle waits for every piece in flight, in order: the first failure, or nil.
func (w *window) settle() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.settleAll()
}

// settleAll is settle, mu held.
func (w *window) settleAll() error {
	if w.err != nil {
		return w.err
	}
	for len(w.flight) > 0 {
		if err := w.settleOldest(); err != nil {
			return err
		}
	}
	return nil
}

// settleReady settles the oldest pieces in flight whose writes have ended, without waiting for
// the others, so that a part lent for one goes back as soon as it is written and not when the
// window next needs room (a body read slowly would hold it meanwhile). A failure is kept in
// w.err too. mu is held.
func (w *window) settleReady() error {
	for w.err == nil && len(w.flight) > 0 {
		select {
		case r := <-w.flight[0].done:
			w.flight[0].done <- r // the piece's own answer, back for settleOldest
			w.err = w.settleOldest()
		default:
			return nil
		}
	}
	return w.err
}
