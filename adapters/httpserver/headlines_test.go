package httpserver

import (
	"fmt"
	"strings"
	"testing"
)

// head returns a request head of lines lines in all (its request line, its header fields),
// with extra fields among them, and its end.
func head(lines int, extra ...string) string {
	var b strings.Builder
	b.WriteString("POST /v1/drop HTTP/1.1\r\n")
	for _, e := range extra {
		b.WriteString(e + "\r\n")
	}
	for i := 1 + len(extra); i < lines; i++ {
		fmt.Fprintf(&b, "x%d:\n", i)
	}
	b.WriteString("\r\n")
	return b.String()
}

// TestHeadLinesBound: a head of more than MaxHeadLines lines, or a folded field line, fails
// the scan, however it is split into reads and wherever it comes: first, pipelined after heads
// without a body, after a body of Content-Length bytes or a chunked one (its trailer counted
// too). A body, framed as Go's server frames it, is never counted; bytes after a body Go's
// server would refuse are counted as a head.
func TestHeadLinesBound(t *testing.T) {
	manyLines := strings.Repeat("a\n", 500) // 1,000 bytes of short lines, no blank one
	chunkedLines := "3e8\r\n" + manyLines + "\r\n0\r\n\r\n"
	tests := []struct {
		name   string
		stream string
		want   error
	}{
		{"at the bound", head(MaxHeadLines), nil},
		{"one over", head(MaxHeadLines + 1), errHeadLines},
		{"one over, unterminated", strings.TrimSuffix(head(MaxHeadLines+1), "\r\n"), errHeadLines},
		{"pipelined heads at the bound", strings.Repeat(head(MaxHeadLines), 5), nil},
		{"pipelined after a head", head(3) + head(MaxHeadLines+1), errHeadLines},
		{"pipelined after Content-Length: 0", head(3, "Content-Length: 0") + head(MaxHeadLines+1), errHeadLines},
		{"pipelined after Content-Length: 000", head(3, "content-length:  000") + head(MaxHeadLines+1), errHeadLines},
		{"a body of short lines", head(3, "Content-Length: 1000") + manyLines, nil},
		{"a body of short lines, then heads", head(3, "Content-Length: 1000") + manyLines + head(MaxHeadLines) + head(MaxHeadLines), nil},
		{"pipelined after a body", head(3, "Content-Length: 1000") + manyLines + head(MaxHeadLines+1), errHeadLines},
		{"a chunked body of short lines", head(3, "Transfer-Encoding: chunked") + chunkedLines, nil},
		{"pipelined after a chunked body", head(3, "Transfer-Encoding: chunked") + chunkedLines + head(MaxHeadLines+1), errHeadLines},
		{"a chunked body's trailer of too many lines", head(3, "Transfer-Encoding: chunked") + "1\r\na\r\n0\r\n" + strings.Repeat("t: x\r\n", MaxHeadLines+1) + "\r\n", errHeadLines},
		{"chunk extensions", head(3, "Transfer-Encoding: chunked") + "3e8;x=1\r\n" + manyLines + "\r\n0 \r\n\r\n" + head(MaxHeadLines+1), errHeadLines},
		{"chunked wins over Content-Length", head(3, "Content-Length: 5000", "Transfer-Encoding: chunked") + chunkedLines + head(MaxHeadLines+1), errHeadLines},
		{"chunked ignored on HTTP/1.0", strings.Replace(head(3, "Transfer-Encoding: chunked"), "HTTP/1.1", "HTTP/1.0", 1) + head(MaxHeadLines+1), errHeadLines},
		{"a malformed chunk: what follows counted", head(3, "Transfer-Encoding: chunked") + "zz\r\n" + manyLines, errHeadLines},
		{"two lengths that differ: what follows counted", head(3, "Content-Length: 1000", "Content-Length: 999") + manyLines, errHeadLines},
		{"a body, lowercase", head(3, "content-length: 1000") + manyLines, nil},
		{"a body, its length after 40 spaces", head(3, "Content-Length:"+strings.Repeat(" ", 40)+"1000") + manyLines, nil},
		{"a folded field", head(3, "Host: x", " folded"), errObsFold},
		{"a folded field, a tab", head(3, "Host: x", "\tfolded"), errObsFold},
		{"a folded Content-Length, then a head", "GET /healthz HTTP/1.1\r\nHost: x\r\n content-length: 5\r\n\r\n" + head(900), errObsFold},
		{"an authorized drop, then a head", head(5, "Content-Length: 4") + "real" + head(900), errHeadLines},
	}
	for _, tt := range tests {
		for _, size := range []int{1, 7, 4096} {
			var h headLines
			var got error
			for i := 0; i < len(tt.stream) && got == nil; i += size {
				_, got = h.scan([]byte(tt.stream[i:min(i+size, len(tt.stream))]))
			}
			if got != tt.want {
				t.Errorf("%s, in reads of %d bytes: %v, want %v", tt.name, size, got, tt.want)
			}
		}
	}
}
