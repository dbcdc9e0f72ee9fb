package httpserver

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
)

// randomRequests returns a stream of n pipelined requests as a client may send them: heads of
// up to lines lines (HTTP/1.1 or 1.0), bodies of Content-Length bytes or chunked (HTTP/1.1,
// with extensions and a trailer sometimes), bodies made of short lines and blank ones (the
// worst for a line counter), and the number of lines of the largest head or trailer.
func randomRequests(r *rand.Rand, n, lines int) (string, int) {
	var b strings.Builder
	most := 0
	for range n {
		proto := "HTTP/1.1"
		if r.IntN(5) == 0 {
			proto = "HTTP/1.0"
		}
		body := strings.Repeat("a\n\r\n\n", r.IntN(300))
		chunked := proto == "HTTP/1.1" && r.IntN(2) == 0
		fields := 1 + r.IntN(lines-2)
		fmt.Fprintf(&b, "POST /v1/drop %s\r\nHost: x\r\n", proto)
		for i := 2; i < fields; i++ {
			fmt.Fprintf(&b, "X-%d: %s\r\n", i, strings.Repeat("v", r.IntN(20)))
		}
		most = max(most, fields+1) // and its Content-Length or Transfer-Encoding
		if chunked {
			b.WriteString("Transfer-Encoding: chunked\r\n\r\n")
			for rest := body; rest != ""; {
				k := min(len(rest), 1+r.IntN(200))
				ext := ""
				if r.IntN(3) == 0 {
					ext = ";x=1"
				}
				fmt.Fprintf(&b, "%x%s\r\n%s\r\n", k, ext, rest[:k])
				rest = rest[k:]
			}
			b.WriteString("0\r\n")
			trailer := r.IntN(4)
			for i := range trailer {
				fmt.Fprintf(&b, "T-%d: v\r\n", i)
			}
			most = max(most, trailer)
			b.WriteString("\r\n")
		} else {
			fmt.Fprintf(&b, "Content-Length: %0*d\r\n\r\n%s", r.IntN(30), len(body), body) // leading zeros: Go reads past them
		}
	}
	return b.String(), most
}

// TestFramingAgreesWithGo: over random pipelined streams, the counter skips exactly the bodies
// Go's server reads: Go reads every request of the stream back (the counter's framing is
// checked by the stream's own construction), and the counter finds a head over MaxHeadLines
// exactly when the stream has one, in whatever reads it comes; it frames as many requests as
// Go reads (a Content-Length's leading zeros included).
func TestFramingAgreesWithGo(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	over := 0
	for i := range 300 {
		limit := MaxHeadLines
		if i%2 == 1 {
			limit = MaxHeadLines + 40 // some heads go over
		}
		stream, most := randomRequests(r, 1+r.IntN(6), limit)
		// Go's server reads the requests back, bodies whole, and nothing is left.
		br := bufio.NewReader(strings.NewReader(stream))
		requests := 0
		for {
			req, err := http.ReadRequest(br)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("stream %d: Go cannot read it: %v", i, err)
			}
			io.Copy(io.Discard, req.Body)
			requests++
		}
		want := error(nil)
		if most > MaxHeadLines {
			want = errHeadLines
			over++
		}
		size := 1 + r.IntN(5000)
		var h headLines
		var got error
		data := []byte(stream)
		for off := 0; off < len(data) && got == nil; off += size {
			_, got = h.scan(data[off:min(off+size, len(data))])
		}
		if got != want {
			t.Errorf("stream %d (%d bytes, largest head %d lines, reads of %d): %v, want %v", i, len(stream), most, size, got, want)
		}
		if got == nil && h.ends != requests {
			t.Errorf("stream %d: the counter framed %d requests, Go's server %d", i, h.ends, requests)
		}
	}
	if over < 50 || over > 250 {
		t.Errorf("%d streams of 300 with a head over the bound; want both kinds, many of each", over)
	}
}
