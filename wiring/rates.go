package wiring

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/s3-dropbox/s3-dropbox/domain"
)

// ClientRate is a client's allowance of drops: PerSecond on average, Burst at once.
type ClientRate struct {
	PerSecond float64
	Burst     int
}

// ClientRates are the rates of CLIENT_RATES: by a token entry's name, by "default#N" (the N-th
// entry, unnamed), or "*" for every client without one of its own.
type ClientRates map[string]ClientRate

// Decode parses a comma-separated list of CLIENT=RATE:BURST, such as "*=10:20,alice=100:200":
// RATE drops a second (a decimal number, more than 0), BURST drops at once (a whole number, at
// least 1). The error gives an entry's position.
func (r *ClientRates) Decode(value string) error {
	out := ClientRates{}
	if strings.TrimSpace(value) == "" {
		*r = out
		return nil
	}
	for i, e := range strings.Split(value, ",") {
		pos := i + 1
		name, spec, ok := strings.Cut(strings.TrimSpace(e), "=")
		if !ok || !clientKey(name) {
			return fmt.Errorf("entry %d: must be CLIENT=RATE:BURST, CLIENT a token entry's name, default#N or *", pos)
		}
		if _, dup := out[name]; dup {
			return fmt.Errorf("entry %d: client %s given twice", pos, name)
		}
		rs, bs, ok := strings.Cut(spec, ":")
		rate, err := strconv.ParseFloat(rs, 64)
		if !ok || err != nil || !(rate > 0) || rate > 1e6 {
			return fmt.Errorf("entry %d: RATE must be drops a second, more than 0, such as 10 or 0.5", pos)
		}
		burst, ok2 := decimal(bs)
		if !ok2 || burst < 1 {
			return fmt.Errorf("entry %d: BURST must be a whole number of drops, at least 1", pos)
		}
		out[name] = ClientRate{PerSecond: rate, Burst: burst}
	}
	*r = out
	return nil
}

// clientKey reports whether k names a client as CLIENT_RATES may: a client's name (a-z, 0-9
// and -, 1 to 32), default#N, or *.
func clientKey(k string) bool {
	if k == "*" {
		return true
	}
	name, n, numbered := strings.Cut(k, "#")
	if numbered {
		if v, ok := decimal(n); !ok || v < 1 || name != "default" {
			return false
		}
	}
	if name == "" || len(name) > 32 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		return false
	}
	return true
}

// forEntries refuses a rate whose client is none of the token entries: a name no entry has,
// "default" while every entry is named, "default#N" where the N-th entry is named or missing.
// Such a rate would limit nobody, and a misspelt name would leave its client unlimited.
func (r ClientRates) forEntries(tokens Tokens) error {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "*" {
			continue
		}
		name, n, numbered := strings.Cut(k, "#")
		found := false
		for i, c := range tokens {
			if c.Name == name && (!numbered || n == strconv.Itoa(i+1)) {
				found = true
				break
			}
		}
		if !found {
			what := "no AUTH_TOKEN entry is named " + k
			if name == domain.DefaultClient {
				what = "no AUTH_TOKEN entry is unnamed"
				if numbered {
					what = "AUTH_TOKEN's entry " + n + " is missing or named"
				}
			}
			return fmt.Errorf("CLIENT_RATES: %s: %s, so that rate would limit nobody (CLIENT is a token entry's name, default#N for the N-th entry if unnamed, or *)", k, what)
		}
	}
	return nil
}
