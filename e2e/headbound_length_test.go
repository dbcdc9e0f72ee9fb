package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestHeadLinesCountedAfterAnyContentLength: Go's server reads a Content-Length of any digits
// (leading zeros, more than 18 of them) as the body's length; a head of 900 lines pipelined
// after an authorized drop with such a length is counted, and answered 400, as after any
// other drop. Before, a length of over 24 characters was taken for none, the drop's body for
// a head declaring a body of its own, and the head after it went uncounted (202, then 200).
func TestHeadLinesCountedAfterAnyContentLength(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir))
	addr := logged(t, p, "addr")
	// inner is the drop's payload: to a counter that takes it for a head, one of a long body
	inner := "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 99999\r\n\r\n"
	n := fmt.Sprint(len(inner))
	tests := []struct {
		name, length string
	}{
		{"no leading zero", n},
		{"one leading zero", "0" + n},
		{"19 digits", strings.Repeat("0", 19-len(n)) + n},
		{"20 digits", strings.Repeat("0", 20-len(n)) + n},
		{"25 digits", strings.Repeat("0", 25-len(n)) + n},
		{"40 digits", strings.Repeat("0", 40-len(n)) + n},
	}
	for _, tt := range tests {
		head := strings.Replace(dropHead(int64(len(inner)), true), "Content-Length: "+n+"\r\n", "Content-Length: "+tt.length+"\r\n", 1)
		got := statuses(dial(t, addr), head+inner+manyLinesHead(900), 2*time.Second)
		if want := []int{202, 400}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: statuses %v, want %v", tt.name, got, want)
		}
	}
}
