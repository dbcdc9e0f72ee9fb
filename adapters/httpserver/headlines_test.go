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

// TestAttackHeadLines: a head of more than MaxHeadLines lines fails the scan, however it is
// split into reads, pipelined after heads without a body or not; a body, declared by a
// Content-Length but 0 or a Transfer-Encoding, is never counted, until the connection resumes
// between requests.
func TestAttackHeadLines(t *testing.T) {
	manyLines := strings.Repeat("a\n", 500) // a body of short lines, no blank one
	tests := []struct {
		name   string
		stream string
		resume bool // resume after the stream's first head
		want   bool
	}{
		{"at the bound", head(MaxHeadLines), false, true},
		{"one over", head(MaxHeadLines + 1), false, false},
		{"one over, unterminated", strings.TrimSuffix(head(MaxHeadLines+1), "\r\n"), false, false},
		{"pipelined heads at the bound", strings.Repeat(head(MaxHeadLines), 5), false, true},
		{"pipelined after a head", head(3) + head(MaxHeadLines+1), false, false},
		{"pipelined after Content-Length: 0", head(3, "Content-Length: 0") + head(MaxHeadLines+1), false, false},
		{"pipelined after Content-Length: 000", head(3, "content-length:  000") + head(MaxHeadLines+1), false, false},
		{"a body of short lines", head(3, "Content-Length: 1000") + manyLines, false, true},
		{"a chunked body of short lines", head(3, "Transfer-Encoding: chunked") + manyLines, false, true},
		{"a body, lowercase", head(3, "content-length: 1000") + manyLines, false, true},
		{"a body, its length after 40 spaces", head(3, "Content-Length:"+strings.Repeat(" ", 40)+"1000") + manyLines, false, true},
		{"counted again once resumed", head(3, "Content-Length: 1000") + manyLines, true, false},
	}
	for _, tt := range tests {
		for _, size := range []int{1, 7, 4096} {
			var h headLines
			got := true
			first := strings.Index(tt.stream, "\n\r\n") + 3 // the first head ends there
			for i := 0; i < len(tt.stream) && got; i += size {
				chunk := tt.stream[i:min(i+size, len(tt.stream))]
				if tt.resume && i < first && i+len(chunk) >= first { // the first head ends in this read
					got = h.scan([]byte(chunk[:first-i]))
					h.resume()
					chunk = chunk[first-i:]
				}
				got = got && h.scan([]byte(chunk))
			}
			if got != tt.want {
				t.Errorf("%s, in reads of %d bytes: %v, want %v", tt.name, size, got, tt.want)
			}
		}
	}
}
