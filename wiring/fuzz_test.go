package wiring_test

import (
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/wiring"
)

// FuzzTokens: any value of AUTH_TOKEN or CDN_TOKEN. Decoding never panics; an error never
// repeats an entry; what is accepted is entries that each name a 32-byte digest, in order.
func FuzzTokens(f *testing.F) {
	a, b := domain.ServerToken("a"), domain.ServerToken("b")
	for _, s := range []string{a, a + "," + b, "alice:" + a + ", bob:" + b, a + ",", "x:" + a + ",x:" + b, ":", "", a[:43] + "!"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		var got wiring.Tokens
		err := got.Decode(value)
		entries := strings.Split(value, ",")
		if err != nil {
			// The messages' own words may match an entry by chance: only text that is not
			// theirs counts as repeated.
			words := strings.Join(vocabulary(), "\n")
			for _, e := range entries {
				if e := strings.TrimSpace(e); len(e) >= 8 && strings.Contains(err.Error(), e) && !strings.Contains(words, e) {
					t.Fatalf("error %q repeats an entry", err)
				}
			}
			return
		}
		if len(got) != len(entries) {
			t.Fatalf("%d credentials from %d entries", len(got), len(entries))
		}
		for i, e := range entries {
			e = strings.TrimSpace(e)
			_, token, named := strings.Cut(e, ":")
			if !named {
				token = e
			}
			if d, err := domain.ParseServerToken(token); err != nil || d != got[i].Digest {
				t.Fatalf("entry %d accepted, but its token does not parse to the digest kept", i+1)
			}
		}
	})
}

// vocabulary returns the errors Decode makes for a few malformed lists: the words its
// messages are made of.
func vocabulary() []string {
	a := domain.ServerToken("a")
	var out []string
	for _, v := range []string{"", ",", a + "," + a, "x:" + a + ",x:" + a, "X:" + a, "short", strings.Repeat("!", 44)} {
		var tk wiring.Tokens
		if err := tk.Decode(v); err != nil {
			out = append(out, err.Error())
		}
	}
	return out
}
