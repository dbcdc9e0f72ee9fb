package httpserver

import (
	"strings"
	"testing"
)

// BenchmarkHeadLinesScan: the framing counter over one keep-alive drop as wrk sends it (a head
// of six fields and a 1 KiB body), in one read.
func BenchmarkHeadLinesScan(b *testing.B) {
	req := []byte("POST /v1/drop HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: text/plain\r\nAuthorization: Bearer " +
		strings.Repeat("t", 86) + "\r\nX-Cdn-Token: Bearer " + strings.Repeat("c", 86) + "\r\nContent-Length: 1024\r\n\r\n" + strings.Repeat("x", 1024))
	var h headLines
	b.SetBytes(int64(len(req)))
	for b.Loop() {
		if _, err := h.scan(req); err != nil {
			b.Fatal(err)
		}
	}
}
