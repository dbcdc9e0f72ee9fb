package system

import (
	"regexp"
	"testing"
	"time"
)

var uuid4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestUUIDsAreVersion4AndDistinct(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id, err := UUIDs{}.NewID()
		if err != nil {
			t.Fatal(err)
		}
		if !uuid4.MatchString(id) {
			t.Fatalf("NewID() = %q, want a lower-case version-4 UUID", id)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %q", id)
		}
		seen[id] = true
	}
}

func TestClockIsUTCAndCurrent(t *testing.T) {
	before := time.Now()
	got := Clock{}.Now()
	if got.Location() != time.UTC {
		t.Errorf("Now().Location() = %v, want UTC", got.Location())
	}
	if got.Before(before.Add(-time.Second)) || got.After(time.Now().Add(time.Second)) {
		t.Errorf("Now() = %v, want about %v", got, before)
	}
}

func BenchmarkNewID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := (UUIDs{}).NewID(); err != nil {
			b.Fatal(err)
		}
	}
}
