package httpface

import (
	"strconv"
	"strings"
)

// Bounds of a path as the log line carries it (LogPath).
const (
	maxLogSegment = 32  // longer segments are logged by length: a token pasted into a path is 44 or 86 characters
	maxLogPath    = 256 // bytes of the path logged at most
)

// LogPath returns a request's path (decoded, without its query string, which is never
// logged) as the log line carries it: a segment longer than 32 bytes is replaced by its length
// in braces ("/v1/drop/{86 bytes}"), so that a credential a client put in the path stays out
// of the log, and the whole is cut at 256 bytes ("…" marks the cut).
func LogPath(path string) string {
	if len(path) <= maxLogSegment { // the common case: no segment can be too long
		return path
	}
	var b strings.Builder
	for i, seg := range strings.Split(path, "/") {
		if i > 0 {
			b.WriteByte('/')
		}
		if len(seg) > maxLogSegment {
			seg = "{" + strconv.Itoa(len(seg)) + " bytes}"
		}
		b.WriteString(seg)
		if b.Len() > maxLogPath {
			break
		}
	}
	if out := b.String(); len(out) > maxLogPath {
		return strings.ToValidUTF8(out[:maxLogPath], "") + "…"
	}
	return b.String()
}
