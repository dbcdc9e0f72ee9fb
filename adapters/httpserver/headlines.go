package httpserver

import (
	"bytes"
	"errors"
)

// MaxHeadLines bounds the lines of a request's head (its request line and header fields):
// Go's server parses a head up to its bytes (MaxHeaderBytes and 4 KiB), and a head of 12 KiB in
// lines of three bytes, parsed, takes some 300 KiB; with 100 lines, a head takes little more
// than its bytes, so that the connection cap, which follows memory, holds. A request has a
// dozen.
const MaxHeadLines = 100

// errHeadLines is a connection's read error once a head has more than MaxHeadLines lines: Go's
// server answers 400 and closes the connection.
var errHeadLines = errors.New("httpserver: a request head of too many lines")

// headLines counts the lines of the request heads a connection reads, before Go's server
// parses them. A blank line ends a head; when the head declared a body (a Content-Length but
// 0, a Transfer-Encoding), what follows is not counted until the connection is idle again
// (resume), so that a body is never taken for a head; what follows a head without a body is
// the next head, pipelined, and is counted.
type headLines struct {
	lines  int      // lines of the head being read
	n      int      // bytes of the current line, but CR
	p      int      // bytes of prefix in use
	prefix [32]byte // the current line's first bytes, but spaces and tabs
	body   bool     // the head being read declares a body
	off    bool     // a body follows the head read last: not counted
}

// scan counts the lines of b; false: the head being read has more than MaxHeadLines.
func (h *headLines) scan(b []byte) bool {
	for _, c := range b {
		if h.off {
			return true
		}
		switch c {
		case '\r':
		case '\n':
			if h.n == 0 { // the head ends
				h.lines, h.off, h.body = 0, h.body, false
				continue
			}
			if declaresBody(h.prefix[:h.p]) {
				h.body = true
			}
			h.lines++
			h.n, h.p = 0, 0
			if h.lines > MaxHeadLines {
				return false
			}
		case ' ', '\t':
			h.n++
		default:
			if h.p < len(h.prefix) {
				h.prefix[h.p] = c
				h.p++
			}
			h.n++
		}
	}
	return true
}

// resume counts again, from where the connection's reads are: between requests.
func (h *headLines) resume() { h.off = false }

// declaresBody reports whether a header line (its first bytes, without spaces and tabs)
// declares a body: a Transfer-Encoding, or a Content-Length with a digit but 0.
func declaresBody(line []byte) bool {
	if len(line) >= len("transfer-encoding:") && bytes.EqualFold(line[:len("transfer-encoding:")], []byte("transfer-encoding:")) {
		return true
	}
	if len(line) < len("content-length:") || !bytes.EqualFold(line[:len("content-length:")], []byte("content-length:")) {
		return false
	}
	return bytes.ContainsAny(line[len("content-length:"):], "123456789")
}
