package wiring

import (
	"errors"
	"strings"
)

// DefaultDropPath is the server's DROP_PATH unless set: the template's DropPath default.
const DefaultDropPath = "/v1/drop"

// maxDropPath is the longest DROP_PATH.
const maxDropPath = 1024

// checkDropPath checks a DROP_PATH: an absolute path of letters, digits and -._~/ that no
// client or proxy rewrites on the way (no empty, "." or ".." segment but a trailing slash), so
// that the path a client sends can be the one configured. The error names the variable and
// never repeats the value.
func checkDropPath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return errors.New("DROP_PATH: must be an absolute path, starting with /, such as " + DefaultDropPath)
	}
	if len(p) > maxDropPath {
		return errors.New("DROP_PATH: must be at most 1024 characters")
	}
	if strings.Trim(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/") != "" {
		return errors.New("DROP_PATH: must hold only letters, digits and -._~/ (no query string, no percent-encoding)")
	}
	segs := strings.Split(p[1:], "/")
	for i, seg := range segs {
		if seg == "" && i < len(segs)-1 || seg == "." || seg == ".." {
			return errors.New("DROP_PATH: must not have an empty, . or .. segment (clients and proxies rewrite them)")
		}
	}
	return nil
}
