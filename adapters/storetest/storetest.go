// Package storetest is the contract of ports.ObjectStore as one test suite, run against every
// implementation (memstore, the filesystem store, s3store on real MinIO), so that the fakes
// cannot drift from the real thing.
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// Harness is a store under test and the means to read back what it kept, which the
// ObjectStore port itself does not offer (the service only ever writes).
type Harness struct {
	Store ports.ObjectStore
	// Get returns the object under key, with the attributes the store keeps (content type,
	// client, SHA-256), and whether there is one.
	Get func(t *testing.T, key string) (ports.Object, bool)
	// Keys returns every key in the store.
	Keys func(t *testing.T) []string
}

// Run runs the contract against stores made by newHarness, a fresh, empty one per test.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, newHarness(t)) })
	t.Run("CreateOnly", func(t *testing.T) { testCreateOnly(t, newHarness(t)) })
	t.Run("KeepsACopy", func(t *testing.T) { testKeepsACopy(t, newHarness(t)) })
	t.Run("ConcurrentKeys", func(t *testing.T) { testConcurrentKeys(t, newHarness(t)) })
	t.Run("ConcurrentSameKey", func(t *testing.T) { testConcurrentSameKey(t, newHarness(t)) })
	t.Run("CancelledContext", func(t *testing.T) { testCancelled(t, newHarness(t)) })
	t.Run("Attributes", func(t *testing.T) { testAttributes(t, newHarness(t)) })
	t.Run("RefusesWrongSHA256", func(t *testing.T) { testWrongSHA256(t, newHarness(t)) })
	t.Run("KeysWithSegments", func(t *testing.T) { testSegments(t, newHarness(t)) })
}

var keyN struct {
	sync.Mutex
	n int
}

// key returns a key of the service's own format, distinct within the run.
func key() string {
	keyN.Lock()
	defer keyN.Unlock()
	keyN.n++
	return domain.Key(time.Now(), fmt.Sprintf("00000000-0000-4000-8000-%012d", keyN.n))
}

func mustGet(t *testing.T, h Harness, k string, want []byte) ports.Object {
	t.Helper()
	got, ok := h.Get(t, k)
	if !ok {
		t.Fatalf("no object under %q", k)
	}
	if !bytes.Equal(got.Data, want) {
		t.Fatalf("object %q = %d bytes %.32q, want %d bytes %.32q", k, len(got.Data), got.Data, len(want), want)
	}
	return got
}

func testRoundTrip(t *testing.T, h Harness) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", []byte{}},
		{"text", []byte("hello, dropbox")},
		{"unicode", []byte("Grüße aus Köln — 東京 🚀")},
		{"every byte", all},
		{"10 KiB", bytes.Repeat([]byte("0123456789"), 1024)},
	}
	for _, tt := range tests {
		k := key()
		if err := h.Store.Put(context.Background(), ports.Object{Key: k, Data: tt.data}); err != nil {
			t.Fatalf("%s: Put: %v", tt.name, err)
		}
		mustGet(t, h, k, tt.data)
	}
	if got := len(h.Keys(t)); got != len(tests) {
		t.Errorf("store holds %d keys, want %d", got, len(tests))
	}
}

func testCreateOnly(t *testing.T, h Harness) {
	k := key()
	if err := h.Store.Put(context.Background(), ports.Object{Key: k, Data: []byte("first")}); err != nil {
		t.Fatal(err)
	}
	err := h.Store.Put(context.Background(), ports.Object{Key: k, Data: []byte("second")})
	if code := ports.ErrorCode(err); code != ports.EConflict {
		t.Errorf("second Put of a key: error %v (code %q), want code %q", err, code, ports.EConflict)
	}
	mustGet(t, h, k, []byte("first"))
}

func testKeepsACopy(t *testing.T, h Harness) {
	k, data := key(), []byte("original")
	if err := h.Store.Put(context.Background(), ports.Object{Key: k, Data: data}); err != nil {
		t.Fatal(err)
	}
	copy(data, "CHANGED!")
	mustGet(t, h, k, []byte("original"))
}

func testConcurrentKeys(t *testing.T, h Harness) {
	const n = 50
	keys := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		keys[i] = key()
		wg.Go(func() {
			errs[i] = h.Store.Put(context.Background(), ports.Object{Key: keys[i], Data: []byte(keys[i])})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Put %d: %v", i, err)
		}
		mustGet(t, h, keys[i], []byte(keys[i]))
	}
	if got := len(h.Keys(t)); got != n {
		t.Errorf("store holds %d keys, want %d", got, n)
	}
}

func testConcurrentSameKey(t *testing.T, h Harness) {
	const n = 8
	k := key()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = h.Store.Put(context.Background(), ports.Object{Key: k, Data: []byte(strings.Repeat(fmt.Sprint(i), 1000))})
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch code := ports.ErrorCode(err); {
		case err == nil && winner >= 0:
			t.Fatalf("Puts %d and %d of one key both succeeded", winner, i)
		case err == nil:
			winner = i
		case code != ports.EConflict:
			t.Errorf("Put %d: %v (code %q), want success or %q", i, err, code, ports.EConflict)
		}
	}
	if winner < 0 {
		t.Fatal("no Put of the key succeeded")
	}
	mustGet(t, h, k, []byte(strings.Repeat(fmt.Sprint(winner), 1000)))
}

func testCancelled(t *testing.T, h Harness) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	k := key()
	if err := h.Store.Put(ctx, ports.Object{Key: k, Data: []byte("late")}); err == nil {
		t.Error("Put with a cancelled context succeeded, want an error")
	}
	if _, ok := h.Get(t, k); ok {
		t.Error("a Put that failed left an object")
	}
}

// testAttributes: the content type, the client's name and the SHA-256 are kept with the
// object.
func testAttributes(t *testing.T, h Harness) {
	data := []byte(`{"sensor":"t-101","celsius":21.5}`)
	obj := ports.Object{Key: key(), Data: data, ContentType: "application/json", Client: "alice", SHA256: sha256.Sum256(data)}
	if err := h.Store.Put(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
	got := mustGet(t, h, obj.Key, data)
	if got.ContentType != obj.ContentType || got.Client != obj.Client || got.SHA256 != obj.SHA256 {
		t.Errorf("attributes %q %q %x, want %q %q %x", got.ContentType, got.Client, got.SHA256, obj.ContentType, obj.Client, obj.SHA256)
	}
}

// testWrongSHA256: data that does not match its SHA-256 is refused, and nothing is stored.
func testWrongSHA256(t *testing.T, h Harness) {
	obj := ports.Object{Key: key(), Data: []byte("changed on the way"), SHA256: sha256.Sum256([]byte("what was sent"))}
	err := h.Store.Put(context.Background(), obj)
	if err == nil {
		t.Fatal("Put of data that does not match its SHA-256 succeeded")
	}
	if _, ok := h.Get(t, obj.Key); ok {
		t.Error("a refused Put left an object")
	}
}

// testSegments: keys with a prefix and a date partition, as KEY_PREFIX and
// KEY_DATE_PARTITION make them.
func testSegments(t *testing.T, h Harness) {
	keys := []string{"drops/dt=2026-11-28/" + key(), "drops/" + key(), "a/b/c/" + key()}
	for _, k := range keys {
		if err := h.Store.Put(context.Background(), ports.Object{Key: k, Data: []byte(k)}); err != nil {
			t.Fatalf("Put(%q): %v", k, err)
		}
		mustGet(t, h, k, []byte(k))
	}
	got := h.Keys(t)
	slices.Sort(got)
	slices.Sort(keys)
	if !slices.Equal(got, keys) {
		t.Errorf("Keys() = %v, want %v", got, keys)
	}
}
