package wiring_test

import (
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/wiring"
)

// TestClientRatesNameTokenEntries: a CLIENT_RATES entry must name a client AUTH_TOKEN has (a
// name, default while an entry is unnamed, default#N for an unnamed N-th entry) or be *: a
// misspelt name limited nobody, silently.
func TestClientRatesNameTokenEntries(t *testing.T) {
	auth := "alice:" + domain.TokenDigest("a") + "," + domain.TokenDigest("b") + ",bob:" + domain.TokenDigest("c")
	tests := []struct {
		rates   string
		refused string // what the error names; "": accepted
	}{
		{"*=1:1", ""},
		{"alice=1:1,bob=2:2", ""},
		{"default=1:1", ""},
		{"default#2=1:1", ""},
		{"alcie=1:1", "alcie"},
		{"carol=1:1", "carol"},
		{"default#1=1:1", "default#1"}, // entry 1 is alice's
		{"default#4=1:1", "default#4"},
		{"alice=1:1,default#3=1:1", "default#3"},
	}
	for _, tt := range tests {
		setValid(t)
		t.Setenv("AUTH_TOKEN", auth)
		t.Setenv("STORAGE", "s3")
		t.Setenv("CLIENT_RATES", tt.rates)
		_, err := wiring.LoadServer()
		switch {
		case tt.refused == "" && err != nil:
			t.Errorf("CLIENT_RATES=%s: %v; want it accepted", tt.rates, err)
		case tt.refused != "" && (err == nil || !strings.Contains(err.Error(), "CLIENT_RATES") || !strings.Contains(err.Error(), tt.refused)):
			t.Errorf("CLIENT_RATES=%s: %v; want a refusal naming CLIENT_RATES and %s", tt.rates, err, tt.refused)
		}
	}
	t.Run("no unnamed entry", func(t *testing.T) {
		setValid(t)
		t.Setenv("AUTH_TOKEN", "alice:"+domain.TokenDigest("a"))
		t.Setenv("CLIENT_RATES", "default=1:1")
		if _, err := wiring.LoadServer(); err == nil || !strings.Contains(err.Error(), "default") {
			t.Errorf("CLIENT_RATES=default=1:1 with every entry named: %v; want a refusal", err)
		}
	})
}
