package httpface

// sameOrigin reports whether a CORS_ALLOWED_ORIGINS entry and a request's Origin are one
// origin: equal but for the case of ASCII letters, as an origin's scheme and host are
// case-insensitive (browsers send them in lower case; an entry may be written otherwise). An
// origin is a scheme, "://", a host and maybe ":" and a port, whose digits have no case, so
// the port must be the same as written: none is not the scheme's default one written out.
// Other letters are compared as they are (a Kelvin sign is no "k").
func sameOrigin(entry, origin string) bool {
	if len(entry) != len(origin) {
		return false
	}
	for i := range len(entry) {
		if lowerASCII(entry[i]) != lowerASCII(origin[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
