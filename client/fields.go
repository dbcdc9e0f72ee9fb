package client

import "strings"

// visibleWord reports whether s is one or more visible ASCII characters (no space, no
// control), as a token and an Idempotency-Key must be.
func visibleWord(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r >= 0x7f }) < 0
}

// headerName reports whether s can be a header's name (an RFC 9110 token).
func headerName(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r))
	}) < 0
}

// headerValue reports whether s can be a header's value: no control character but tab (a
// line break would start another header).
func headerValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < ' ' && b != '\t' || b == 0x7f {
			return false
		}
	}
	return true
}
