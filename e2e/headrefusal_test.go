package e2e

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// TestRefusedHeadReadByNaiveClient: a client that writes its whole request, an 8 MiB body
// included, before it reads, reads the answer to a head refused for its size (431: Go's server
// answered it itself and closed the connection, and the client read a reset), its lines or a
// folded field (400); with a chunked body too. The answer comes at once: a slow body is not
// waited for.
func TestRefusedHeadReadByNaiveClient(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir))
	addr := logged(t, p, "addr")
	body := bytes.Repeat([]byte("b"), 8<<20)
	big := []string{"X-Big: " + strings.Repeat("v", 13<<10)}
	var many []string
	for i := range 150 {
		many = append(many, fmt.Sprintf("X-%d: v", i))
	}
	chunkedBody := append(append([]byte(fmt.Sprintf("%x\r\n", len(body))), body...), "\r\n0\r\n\r\n"...)
	tests := []struct {
		name string
		head string
		body []byte
		want int
	}{
		{"a head of 13 KiB", dropHead(int64(len(body)), true, big...), body, 431},
		{"a head of 13 KiB, unauthorized", dropHead(int64(len(body)), false, big...), body, 431},
		{"a head of 13 KiB, chunked", strings.Replace(dropHead(0, true, big...), "Content-Length: 0", "Transfer-Encoding: chunked", 1), chunkedBody, 431},
		{"a head of 150 lines", dropHead(int64(len(body)), true, many...), body, 400},
		{"a folded field", dropHead(int64(len(body)), true, "X-A: b", " folded"), body, 400},
	}
	for _, tt := range tests {
		for round := range 3 {
			if got, err := naive(addr, tt.head, tt.body); got != tt.want {
				t.Errorf("%s (round %d): %d, %v; want %d", tt.name, round, got, err, tt.want)
			}
		}
	}
}
