package domain_test

import (
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/domain"
)

// TestParseCredentials: the list forms for rotation and named clients, and the errors that
// name the entry's position, never its text.
func TestParseCredentials(t *testing.T) {
	a, b := domain.TokenDigest("a"), domain.TokenDigest("b")
	def := domain.DefaultClient
	ok := []struct {
		value string
		names []string
	}{
		{a, []string{def}},
		{a + "," + b, []string{def, def}},
		{" " + a + " , " + b + " ", []string{def, def}},
		{"alice:" + a + ",bob-2:" + b, []string{"alice", "bob-2"}},
		{"alice:" + a + "," + b, []string{"alice", def}},
	}
	for _, tt := range ok {
		got, err := domain.ParseCredentials(tt.value)
		if err != nil {
			t.Errorf("ParseCredentials(%q): %v", tt.value, err)
			continue
		}
		var names []string
		for _, c := range got {
			names = append(names, c.Name)
		}
		if strings.Join(names, ",") != strings.Join(tt.names, ",") {
			t.Errorf("ParseCredentials(%q) names = %v, want %v", tt.value, names, tt.names)
		}
		if err := domain.CheckCredentials(got); err != nil {
			t.Errorf("CheckCredentials(ParseCredentials(%q)) = %v, want nil", tt.value, err)
		}
	}
	bad := []struct{ value, want string }{
		{a + ",", "entry 2 is empty"},
		{"," + a, "entry 1 is empty"},
		{a + "," + a, "entry 2: the token is already given by entry 1"},
		{"x:" + a + ",x:" + b, "entry 2: the client name is already used by entry 1"},
		{"Alice:" + a, "entry 1: the client name must be"},
		{":" + a, "entry 1: the client name must be"},
		{strings.Repeat("n", 33) + ":" + a, "entry 1: the client name must be"},
		{a + ",bob:" + b[:40], "entry 2: must be 44 characters"},
	}
	for _, tt := range bad {
		got, err := domain.ParseCredentials(tt.value)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseCredentials(%q) = %v, %v; want an error containing %q", tt.value, got, err, tt.want)
		}
		if err != nil && (strings.Contains(err.Error(), a) || strings.Contains(err.Error(), b[:40])) {
			t.Errorf("error %q repeats a token", err)
		}
	}
}

// TestCheckCredentials: the rules of a list, as New applies them to lists made without
// ParseCredentials.
func TestCheckCredentials(t *testing.T) {
	a, b := cred("alice", "a"), cred("bob", "b")
	tests := []struct {
		name  string
		creds []domain.Credential
		want  string // "" for none
	}{
		{"named", []domain.Credential{a, b}, ""},
		{"two unnamed", []domain.Credential{cred(domain.DefaultClient, "a"), cred(domain.DefaultClient, "b")}, ""},
		{"token twice", []domain.Credential{a, cred("carol", "a")}, "entry 2: the token is already given by entry 1"},
		{"name twice", []domain.Credential{a, cred("alice", "b")}, "entry 2: the client name is already used by entry 1"},
		{"bad name", []domain.Credential{a, cred("Bob", "b")}, "entry 2: the client name must be"},
		{"no name", []domain.Credential{cred("", "a")}, "entry 1: the client name must be"},
	}
	for _, tt := range tests {
		err := domain.CheckCredentials(tt.creds)
		if got := errText(err); !strings.Contains(got, tt.want) || (tt.want == "") != (err == nil) {
			t.Errorf("%s: CheckCredentials = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestCheckLayers(t *testing.T) {
	auth := []domain.Credential{cred("alice", "a"), cred("bob", "b")}
	if err := domain.CheckLayers(auth, []domain.Credential{cred("cdn", "c")}); err != nil {
		t.Errorf("distinct layers: %v, want nil", err)
	}
	err := domain.CheckLayers(auth, []domain.Credential{cred("cdn", "c"), cred("edge", "b")})
	if want := "entry 2 of the client tokens is entry 2 of the CDN tokens: one token would pass both layers"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("shared token: %v, want an error containing %q", err, want)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// FuzzParseCredentials: any value of a token list. Parsing never panics; an error never
// repeats an entry; what is accepted is entries that each name a 32-byte digest, in order,
// and a list CheckCredentials accepts.
func FuzzParseCredentials(f *testing.F) {
	a, b := domain.TokenDigest("a"), domain.TokenDigest("b")
	for _, s := range []string{a, a + "," + b, "alice:" + a + ", bob:" + b, a + ",", "x:" + a + ",x:" + b, ":", "", a[:43] + "!"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		got, err := domain.ParseCredentials(value)
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
		if err := domain.CheckCredentials(got); err != nil {
			t.Fatalf("CheckCredentials refuses what ParseCredentials accepted: %v", err)
		}
		for i, e := range entries {
			e = strings.TrimSpace(e)
			_, token, named := strings.Cut(e, ":")
			if !named {
				token = e
			}
			if d, err := domain.ParseTokenDigest(token); err != nil || d != got[i].Digest {
				t.Fatalf("entry %d accepted, but its token does not parse to the digest kept", i+1)
			}
		}
	})
}

// vocabulary returns the errors ParseCredentials makes for a few malformed lists: the words
// its messages are made of.
func vocabulary() []string {
	a := domain.TokenDigest("a")
	var out []string
	for _, v := range []string{"", ",", a + "," + a, "x:" + a + ",x:" + a, "X:" + a, "short", strings.Repeat("!", 44)} {
		if _, err := domain.ParseCredentials(v); err != nil {
			out = append(out, err.Error())
		}
	}
	return out
}
