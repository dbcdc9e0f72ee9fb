package httpserver

import (
	"bytes"
	"errors"
)

// MaxHeadLines bounds the lines of a request's head (its request line and header fields), and
// of a chunked body's trailer: Go's server parses a head up to its bytes (MaxHeaderBytes and
// 4 KiB), and a head of 12 KiB in lines of three bytes, parsed, takes some 300 KiB; with 100
// lines, a head takes little more than its bytes, so that the connection cap, which follows
// memory, holds. A request has a dozen.
const MaxHeadLines = 100

// maxHeadBytes is the bound of Go's server on a head's bytes (MaxHeaderBytes and the 4 KiB
// it reads first): the counter refuses a head that reaches it unended, before Go's server would
// (its own 431 closes the connection while a naive client still writes its body).
const maxHeadBytes = MaxHeaderBytes + 4<<10

// maxTrailerBytes bounds the bytes of a chunked body's trailer, which Go's server reads
// without a bound of its own.
const maxTrailerBytes = MaxHeaderBytes

// A connection's read error once the framing of its requests breaks a bound: Go's server
// answers 400 to a head and closes the connection (a body's read fails, and its answer closes
// the connection too).
var (
	errHeadLines = errors.New("httpserver: a request head of too many lines")
	// errObsFold: a header field line that starts with a space or a tab continues the one
	// before (obs-fold), which RFC 9112 §5.2 lets a server refuse with 400. Go's server would
	// join it to the field before, so that a line counted as a field of its own was none.
	errObsFold    = errors.New("httpserver: a header field folded over lines (obs-fold)")
	errTrailBytes = errors.New("httpserver: a chunked body's trailer over its bound")
	errHeadBytes  = errors.New("httpserver: a request head of too many bytes")
)

// The parts of a connection's bytes, in the order HTTP/1.1 frames them (RFC 9112).
const (
	inHead      = iota // a request line and its header fields, up to a blank line
	inBody             // a body of Content-Length bytes: left bytes
	inChunkLine        // a chunk's size line
	inChunk            // a chunk's data: left bytes
	inChunkEnd         // the CRLF after a chunk's data
	inTrailer          // the trailer after the last chunk, up to a blank line
)

// headLines follows the framing of the requests a connection carries, as Go's server reads
// them (RFC 9112: Transfer-Encoding: chunked on HTTP/1.1 wins over Content-Length, which is a
// body's length; a head without either has no body), and counts the lines of every head and
// trailer, however the bytes arrive: in one read or many, pipelined, after a body. A body whose
// framing Go's server would refuse (a Content-Length it cannot parse, two that differ, a
// Transfer-Encoding but chunked, a malformed chunk) is not skipped: what follows counts as a
// head, which is what Go's server reads next if it reads anything (it closes the connection).
type headLines struct {
	part  int
	left  uint64 // bytes of the body or chunk not read yet
	lines int    // lines of the head or trailer being read
	bytes int    // bytes of the head or trailer being read

	lenient bool // count no bound: the framing alone (a refused request's, drained)
	ends    int  // requests whose framing ended (or broke, for Go's server to close)

	// the current line
	n     int    // its bytes, but CR
	tail  uint64 // its last eight bytes (the request line's version)
	name  [20]byte
	nameN int  // bytes of name; past len(name): another field's
	colon bool // the name is whole
	value [24]byte
	valN  int  // bytes of value, from its first but a space or a tab
	gap   bool // a space or a tab after the value's first byte
	bad   bool // the value is not one token (or too long to be one worth reading)
	hexN  int  // a chunk line: hex digits read
	semi  bool // a chunk line: its extension began
	crs   int  // a chunk line: its CRs

	// the head being read
	http10  bool
	te      int  // Transfer-Encoding fields
	chunked bool // the last one is "chunked"
	clSet   bool
	clBad   bool
	cl      uint64
}

// scan follows the framing of b; an error: a head or trailer over its bound, or folded, at
// the line that b[:n] ends before.
func (h *headLines) scan(b []byte) (n int, err error) {
	lineStart := 0 // where the current line began in b
	for i := 0; i < len(b); i++ {
		switch h.part {
		case inBody, inChunk:
			k := uint64(len(b) - i)
			if k > h.left {
				k = h.left
			}
			h.left -= k
			i += int(k) - 1
			if h.left == 0 {
				if h.part == inBody {
					h.startHead()
				} else {
					h.part, h.n = inChunkEnd, 0
				}
			}
		case inChunkEnd:
			c := b[i]
			h.n++
			switch {
			case h.n == 1 && c == '\r':
			case h.n == 2 && c == '\n':
				h.startChunkLine()
			default: // malformed: Go's server fails the body and closes the connection
				h.startHead()
				i--
			}
		case inChunkLine:
			if !h.chunkByte(b[i]) {
				h.startHead()
			}
		default: // inHead, inTrailer
			if h.n == 0 {
				lineStart = i
			}
			if err := h.lineByte(b[i]); err != nil {
				return lineStart, err
			}
		}
	}
	return len(b), nil
}

// startHead starts reading a head: a request ended.
func (h *headLines) startHead() {
	h.reset()
	h.ends++
}

// reset forgets all but the mode and the requests ended.
func (h *headLines) reset() {
	*h = headLines{lenient: h.lenient, ends: h.ends}
}

func (h *headLines) startChunkLine() {
	h.part, h.n, h.hexN, h.semi, h.crs, h.left, h.gap = inChunkLine, 0, 0, false, 0, 0, false
}

// chunkByte reads a byte of a chunk's size line: hex digits (16 at most), an extension after
// ';', a CRLF; false: malformed, as Go's server reads it.
func (h *headLines) chunkByte(c byte) bool {
	switch {
	case c == '\n':
		if h.crs != 1 || h.hexN == 0 {
			return false
		}
		if h.left == 0 {
			h.part, h.lines, h.bytes, h.n = inTrailer, 0, 0, 0
			h.resetLine()
		} else {
			h.part = inChunk
		}
		return true
	case c == '\r':
		h.crs++
		return h.crs == 1
	case h.crs > 0:
		return false
	case h.semi:
	case h.gap: // only spaces and tabs after them, as Go's server trims a line's end
		return c == ' ' || c == '\t'
	case c == ';':
		h.semi = true
	case c == ' ' || c == '\t':
		h.gap = true
	default:
		d, ok := hexDigit(c)
		if !ok || h.hexN == 16 {
			return false
		}
		h.left = h.left<<4 | uint64(d)
		h.hexN++
	}
	return true
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func (h *headLines) resetLine() {
	h.n, h.tail, h.nameN, h.colon, h.valN, h.gap, h.bad = 0, 0, 0, false, 0, false, false
}

// lineByte reads a byte of a head or a trailer.
func (h *headLines) lineByte(c byte) error {
	if err := h.lineBound(c); err != nil && !h.lenient {
		return err
	}
	switch c {
	case '\r':
		return nil
	case '\n':
		if h.n == 0 { // a blank line: the head or the trailer ends
			if h.part == inTrailer {
				h.startHead()
				return nil
			}
			h.endHead()
			return nil
		}
		if h.lines > 0 || h.part == inTrailer {
			h.field()
		} else {
			h.http10 = h.tail == versionHTTP10
		}
		h.lines++
		h.resetLine()
		if h.lines > MaxHeadLines && !h.lenient {
			return errHeadLines
		}
		return nil
	}
	if h.n == 0 && (c == ' ' || c == '\t') && (h.lines > 0 || h.part == inTrailer) && !h.lenient {
		return errObsFold
	}
	h.n++
	h.tail = h.tail<<8 | uint64(c)
	switch {
	case !h.colon && c == ':':
		h.colon = true
	case !h.colon:
		if h.nameN < len(h.name) {
			h.name[h.nameN] = lower(c)
		}
		h.nameN++
	case c == ' ' || c == '\t':
		if h.valN > 0 {
			h.gap = true
		}
	case h.gap || h.valN == len(h.value):
		h.bad = true
	case h.valN == 1 && h.value[0] == '0' && '0' <= c && c <= '9' && h.isField("content-length"):
		h.value[0] = c // a leading zero, which Go's server reads past as strconv.ParseUint does
	default:
		h.value[h.valN] = c
		h.valN++
	}
	return nil
}

// lineBound counts a byte of a head or trailer against its bound.
func (h *headLines) lineBound(c byte) error {
	h.bytes++
	switch {
	case h.part == inTrailer && h.bytes > maxTrailerBytes:
		return errTrailBytes
	case h.part == inHead && h.bytes >= maxHeadBytes && (c != '\n' || h.n > 0):
		return errHeadBytes // Go's server, at its bound, would not read the end
	}
	return nil
}

// isField reports whether the current line's field name is name (lower-case).
func (h *headLines) isField(name string) bool {
	return h.colon && h.nameN == len(name) && string(h.name[:h.nameN]) == name
}

// versionHTTP10 is "HTTP/1.0" as the last eight bytes of a line (headLines.tail).
const versionHTTP10 = uint64('H')<<56 | uint64('T')<<48 | uint64('T')<<40 | uint64('P')<<32 | uint64('/')<<24 | uint64('1')<<16 | uint64('.')<<8 | uint64('0')

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// field notes a header field line that frames the body: Transfer-Encoding, Content-Length.
func (h *headLines) field() {
	if h.part != inHead || !h.colon || h.nameN > len(h.name) {
		return
	}
	name, value := h.name[:h.nameN], h.value[:h.valN]
	switch string(name) {
	case "transfer-encoding":
		h.te++
		h.chunked = !h.bad && bytes.EqualFold(value, []byte("chunked"))
	case "content-length":
		n, ok := uint64(0), !h.bad && len(value) > 0 && len(value) <= 19
		for _, c := range value {
			if c < '0' || c > '9' {
				ok = false
				break
			}
			n = n*10 + uint64(c-'0')
		}
		ok = ok && n < 1<<63 // strconv.ParseUint(value, 10, 63), as Go's server reads it
		switch {
		case !ok || h.clSet && n != h.cl:
			h.clBad = true
		default:
			h.clSet, h.cl = true, n
		}
	}
}

// endHead starts what follows a head: its body, as Go's server frames it, or the next head.
func (h *headLines) endHead() {
	switch {
	case h.te > 0 && !h.http10: // Go's server ignores it on HTTP/1.0
		if h.te == 1 && h.chunked {
			h.startChunkLine()
			return
		}
		h.startHead() // 501, and the connection closes
	case h.clBad: // 400, and the connection closes
		h.startHead()
	case h.clSet && h.cl > 0:
		left := h.cl
		h.reset()
		h.part, h.left = inBody, left
	default:
		h.startHead()
	}
}
