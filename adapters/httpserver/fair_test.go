package httpserver

import (
	"errors"
	"testing"
	"testing/synctest"
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

// TestLendWithinShare: a PATCH borrows parts within its client's share among the clients
// holding bytes now, and only while the budget keeps room for another PATCH's two parts
// besides.
func TestLendWithinShare(t *testing.T) {
	tests := []struct {
		name     string
		entries  int
		bobHolds int64
		want     int // parts of 5 bytes lent to alice, who holds 10 bytes
	}{
		{"alone of two entries: all but the room kept", 2, 0, 2},
		{"the only entry: all but the room kept", 1, 0, 2},
		{"beside bob's bytes: the room kept", 2, 10, 0},
		{"beside bob's few bytes: her half", 2, 3, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alice, bob := &client{id: "alice"}, &client{id: "bob"}
			b := &bytesInFlight{max: 30, entries: tt.entries}
			if b.reserve(alice, 10) != reserved || tt.bobHolds > 0 && b.reserve(bob, tt.bobHolds) != reserved {
				t.Fatal("the first bodies could not be reserved")
			}
			got := 0
			for got < 10 && b.lend(alice, 5, 10) {
				got++
			}
			if got != tt.want || b.lent != int64(5*got) || alice.bytes != 10+int64(5*got) {
				t.Errorf("lent %d parts (%d bytes, alice holds %d); want %d", got, b.lent, alice.bytes, tt.want)
			}
			for range got {
				b.giveBack(alice, 5)
			}
			if b.lent != 0 || b.used != 10+tt.bobHolds {
				t.Errorf("after giving back: %d lent, %d used; want 0 and %d", b.lent, b.used, 10+tt.bobHolds)
			}
		})
	}
}

// TestReservationWaitsForLentBytes: a body that finds the budget spent only by bytes lent to a
// PATCH waits until they come back, and is reserved then; if they do not come back within
// lentWait, it is busy. Bytes held, not lent, are never waited for.
func TestReservationWaitsForLentBytes(t *testing.T) {
	for _, tt := range []struct {
		name    string
		give    bool
		wantRes int
	}{
		{"given back", true, reserved},
		{"never given back", false, busy},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				alice, bob := &client{id: "alice"}, &client{id: "bob"}
				b := &bytesInFlight{max: 30, entries: 1}
				if b.reserve(alice, 10) != reserved || !b.lend(alice, 5, 0) || !b.lend(alice, 5, 0) || b.reserve(bob, 10) != reserved {
					t.Fatal("setting up the budget failed")
				}
				got := make(chan int, 1)
				go func() { got <- b.reserve(&client{id: "carol"}, 10) }() // 40 > 30: waits for the lent 10
				synctest.Wait()
				if tt.give {
					b.giveBack(alice, 5)
					b.giveBack(alice, 5)
				}
				if r := <-got; r != tt.wantRes {
					t.Errorf("carol's reservation: %d, want %d", r, tt.wantRes)
				}
				if r := b.reserve(&client{id: "dave"}, 20); r != busy {
					t.Errorf("a reservation over held (not lent) bytes: %d, want busy at once", r)
				}
			})
		})
	}
}

// TestReservationWaitingTakesReleasedBytes: a body waiting for bytes lent to a PATCH is
// reserved as soon as other bytes make room, held bytes released while it waits, and not
// answered busy while the room is there: it waits for any bytes that come back, not only the
// lent ones.
func TestReservationWaitingTakesReleasedBytes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		alice, bob := &client{id: "alice"}, &client{id: "bob"}
		b := &bytesInFlight{max: 30, entries: 1}
		if b.reserve(alice, 10) != reserved || !b.lend(alice, 5, 0) || !b.lend(alice, 5, 0) || b.reserve(bob, 10) != reserved {
			t.Fatal("setting up the budget failed")
		}
		start := time.Now()
		got := make(chan int, 1)
		go func() { got <- b.reserve(&client{id: "carol"}, 10) }() // 40 > 30: waits for the lent 10
		synctest.Wait()
		b.release(bob, 10) // bob's drop is done: room for carol, while alice's parts stay lent
		synctest.Wait()
		select {
		case r := <-got:
			if r != reserved {
				t.Errorf("carol's reservation: %d, want reserved", r)
			}
		default:
			t.Fatal("carol still waits with 10 bytes free")
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("carol waited %v with room free", waited)
		}
	})
}
