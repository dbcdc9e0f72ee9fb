package httpserver

import (
	"errors"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// TestFairShareOfDrops: of 12 slots and two token entries, a client alone has 6 drops in
// progress at most (room for the other), both together 6 each; with one entry, all 12; over
// the share, 429 with Retry-After.
func TestFairShareOfDrops(t *testing.T) {
	tests := []struct {
		name                 string
		entries              int
		aliceHolds, bobHolds int // drops in progress before alice asks once more
		wantAdmitted         bool
	}{
		{"alone, under her share", 2, 5, 0, true},
		{"alone, at her share", 2, 6, 0, false},
		{"the only entry, at half", 1, 6, 0, true},
		{"the only entry, at all", 1, 12, 0, false},
		{"with bob, under her share", 2, 5, 1, true},
		{"with bob, at her share", 2, 6, 1, false},
	}
	for _, tt := range tests {
		f := &fairShares{slots: 12, entries: tt.entries, now: time.Now}
		for range tt.aliceHolds {
			if _, _, err := f.admit("alice"); err != nil {
				t.Fatalf("%s: setting up: %v", tt.name, err)
			}
		}
		for range tt.bobHolds {
			if _, _, err := f.admit("bob"); err != nil {
				t.Fatalf("%s: setting up bob: %v", tt.name, err)
			}
		}
		_, _, err := f.admit("alice")
		if got := err == nil; got != tt.wantAdmitted {
			t.Errorf("%s: admitted %v (%v), want %v", tt.name, got, err, tt.wantAdmitted)
		}
		if err != nil {
			reply := httpface.ReplyTo(ports.DropResult{}, err)
			if reply.Status != 429 || reply.Header["Retry-After"] != "1" || domain.ErrorCode(err) != domain.ETooMany {
				t.Errorf("%s: %d, Retry-After %q; want 429, 1", tt.name, reply.Status, reply.Header["Retry-After"])
			}
		}
	}
}

// TestClientRate: a client with a rate of 2 a second and a burst of 3 gets 3 drops at once,
// then 429 with Retry-After 1, then one more after half a second; another client is not held.
func TestClientRate(t *testing.T) {
	now := time.Unix(1000, 0)
	f := &fairShares{rates: map[string]Rate{"alice": {PerSecond: 2, Burst: 3}}, now: func() time.Time { return now }}
	for i := range 3 {
		_, done, err := f.admit("alice")
		if err != nil {
			t.Fatalf("drop %d within the burst: %v", i, err)
		}
		done()
	}
	_, _, err := f.admit("alice")
	var ra httpface.RetryAfterError
	if !errors.As(err, &ra) || ra.RetryAfter() != 1 {
		t.Errorf("over the rate: %v; want a refusal with Retry-After 1", err)
	}
	if _, _, err := f.admit("bob"); err != nil {
		t.Errorf("bob, without a rate: %v", err)
	}
	now = now.Add(500 * time.Millisecond)
	if _, _, err := f.admit("alice"); err != nil {
		t.Errorf("after half a second: %v; want admitted", err)
	}
}

// TestFairShareOfBytes: of a budget of 30 bytes and two entries, a client holding bytes may
// hold 15 while alone, 15 with another, 30 as the only entry; one holding nothing may always
// take one body if the bytes are free.
func TestFairShareOfBytes(t *testing.T) {
	alice, bob := &client{id: "alice"}, &client{id: "bob"}
	b := &bytesInFlight{max: 30, entries: 2}
	steps := []struct {
		c    *client
		n    int64
		want int
	}{
		{alice, 10, reserved},
		{alice, 10, overShare}, // 20 > 30/2
		{alice, 5, reserved},   // 15
		{bob, 10, reserved},    // bob's first
		{bob, 10, busy},        // 35 > 30
		{bob, 5, reserved},
	}
	for i, s := range steps {
		if got := b.reserve(s.c, s.n); got != s.want {
			t.Errorf("step %d: %s reserves %d: %d, want %d", i, s.c.id, s.n, got, s.want)
		}
	}
	only, carol := &bytesInFlight{max: 30, entries: 1}, &client{id: "carol"}
	if only.reserve(carol, 20) != reserved || only.reserve(carol, 10) != reserved {
		t.Error("the only entry could not take the whole budget")
	}
}

// TestPatchPartsWithinShare: a PATCH takes its two parts, then more parts up to its bound
// while the budget and its client's share leave them free: alone of two entries, half the
// budget; beside another client's bytes, her share of what is left; the only entry, up to the
// bound.
func TestPatchPartsWithinShare(t *testing.T) {
	tests := []struct {
		name       string
		entries    int
		bobHolds   int64
		wantGot    int64
		wantResult int
	}{
		{"alone of two entries: half the budget", 2, 0, 15, reserved},
		{"beside bob's few bytes: her share", 2, 5, 15, reserved},
		{"beside bob's many bytes: what is left", 2, 17, 10, reserved},
		{"the only entry: up to the bound", 1, 0, 25, reserved},
		{"not even two parts free", 2, 22, 0, busy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alice, bob := &client{id: "alice"}, &client{id: "bob"}
			b := &bytesInFlight{max: 30, entries: tt.entries}
			if tt.bobHolds > 0 && b.reserve(bob, tt.bobHolds) != reserved {
				t.Fatal("bob could not take his bytes")
			}
			got, r := b.reserveUpTo(alice, 10, 25, 5) // two parts of 5 bytes, five at most
			if got != tt.wantGot || r != tt.wantResult {
				t.Errorf("got %d bytes (%d), want %d (%d)", got, r, tt.wantGot, tt.wantResult)
			}
			if r == reserved && (alice.bytes != got || b.used != got+tt.bobHolds) {
				t.Errorf("alice holds %d, the budget %d used; want %d and %d", alice.bytes, b.used, got, got+tt.bobHolds)
			}
		})
	}
}
