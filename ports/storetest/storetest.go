// Package storetest is the contract of ports.ObjectStore as one test suite, run against every
// implementation (memstore, the filesystem store, s3store on real MinIO), so that the fakes
// cannot drift from the real thing.
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// Harness is a store under test and the means to list what it kept, which the ObjectStore
// port itself does not offer (the service never lists).
type Harness struct {
	Store ports.ObjectStore
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
	t.Run("LongestContentType", func(t *testing.T) { testLongestContentType(t, newHarness(t)) })
	t.Run("RefusesWrongSHA256", func(t *testing.T) { testWrongSHA256(t, newHarness(t)) })
	t.Run("KeysWithSegments", func(t *testing.T) { testSegments(t, newHarness(t)) })
	t.Run("Get", func(t *testing.T) { testGet(t, newHarness(t)) })
	t.Run("Replace", func(t *testing.T) { testReplace(t, newHarness(t)) })
	t.Run("ConcurrentReplace", func(t *testing.T) { testConcurrentReplace(t, newHarness(t)) })
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
	got, err := h.Store.Get(context.Background(), k)
	if err != nil {
		t.Fatalf("Get(%q): %v", k, err)
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
		if err := h.Store.Create(context.Background(), ports.Object{Key: k, Data: tt.data}); err != nil {
			t.Fatalf("%s: Create: %v", tt.name, err)
		}
		mustGet(t, h, k, tt.data)
	}
	if got := len(objectKeys(t, h)); got != len(tests) {
		t.Errorf("store holds %d keys, want %d", got, len(tests))
	}
}

func testCreateOnly(t *testing.T, h Harness) {
	k := key()
	if err := h.Store.Create(context.Background(), ports.Object{Key: k, Data: []byte("first")}); err != nil {
		t.Fatal(err)
	}
	err := h.Store.Create(context.Background(), ports.Object{Key: k, Data: []byte("second")})
	if !errors.Is(err, ports.ErrExists) || errors.Is(err, ports.ErrUnknown) {
		t.Errorf("second Create of a key: error %v, want ports.ErrExists alone", err)
	}
	mustGet(t, h, k, []byte("first"))
}

func testKeepsACopy(t *testing.T, h Harness) {
	k, data := key(), []byte("original")
	if err := h.Store.Create(context.Background(), ports.Object{Key: k, Data: data}); err != nil {
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
			errs[i] = h.Store.Create(context.Background(), ports.Object{Key: keys[i], Data: []byte(keys[i])})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Create %d: %v", i, err)
		}
		mustGet(t, h, keys[i], []byte(keys[i]))
	}
	if got := len(objectKeys(t, h)); got != n {
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
			errs[i] = h.Store.Create(context.Background(), ports.Object{Key: k, Data: []byte(strings.Repeat(fmt.Sprint(i), 1000))})
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("Creates %d and %d of one key both succeeded", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, ports.ErrExists):
			t.Errorf("Create %d: %v, want success or ports.ErrExists", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no Create of the key succeeded")
	}
	mustGet(t, h, k, []byte(strings.Repeat(fmt.Sprint(winner), 1000)))
}

func testCancelled(t *testing.T, h Harness) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	k := key()
	if err := h.Store.Create(ctx, ports.Object{Key: k, Data: []byte("late")}); err == nil {
		t.Error("Create with a cancelled context succeeded, want an error")
	}
	wantAbsent(t, h, k)
}

// testAttributes: the content type, the client's name and the SHA-256 are kept with the
// object.
func testAttributes(t *testing.T, h Harness) {
	data := []byte(`{"sensor":"t-101","celsius":21.5}`)
	obj := ports.Object{Key: key(), Data: data, ContentType: "application/json", Client: "alice", SHA256: sha256.Sum256(data)}
	if err := h.Store.Create(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
	got := mustGet(t, h, obj.Key, data)
	if got.ContentType != obj.ContentType || got.Client != obj.Client || got.SHA256 != obj.SHA256 {
		t.Errorf("attributes %q %q %x, want %q %q %x", got.ContentType, got.Client, got.SHA256, obj.ContentType, obj.Client, obj.SHA256)
	}
}

// testLongestContentType: a content type of domain.MaxContentTypeBytes, the longest a drop
// may carry, is kept and returned whole.
func testLongestContentType(t *testing.T, h Harness) {
	ct := "multipart/form-data; boundary="
	ct += strings.Repeat("b", domain.MaxContentTypeBytes-len(ct))
	data := []byte("--b--")
	obj := ports.Object{Key: key(), Data: data, ContentType: ct, Client: "alice", SHA256: sha256.Sum256(data)}
	if err := h.Store.Create(context.Background(), obj); err != nil {
		t.Fatalf("Create with a %d-byte content type: %v", len(ct), err)
	}
	if got := mustGet(t, h, obj.Key, data); got.ContentType != ct {
		t.Errorf("content type %d bytes %.40q…, want the %d bytes sent", len(got.ContentType), got.ContentType, len(ct))
	}
}

// testWrongSHA256: data that does not match its SHA-256 is refused, and nothing is stored.
func testWrongSHA256(t *testing.T, h Harness) {
	obj := ports.Object{Key: key(), Data: []byte("changed on the way"), SHA256: sha256.Sum256([]byte("what was sent"))}
	err := h.Store.Create(context.Background(), obj)
	if !errors.Is(err, ports.ErrChecksum) {
		t.Fatalf("Create of data that does not match its SHA-256: %v, want ports.ErrChecksum", err)
	}
	wantAbsent(t, h, obj.Key)
}

// testSegments: keys with a prefix and a date partition, as KEY_PREFIX and
// KEY_DATE_PARTITION make them.
func testSegments(t *testing.T, h Harness) {
	keys := []string{"drops/dt=2026-11-28/" + key(), "drops/" + key(), "a/b/c/" + key()}
	for _, k := range keys {
		if err := h.Store.Create(context.Background(), ports.Object{Key: k, Data: []byte(k)}); err != nil {
			t.Fatalf("Create(%q): %v", k, err)
		}
		mustGet(t, h, k, []byte(k))
	}
	got := objectKeys(t, h)
	slices.Sort(got)
	slices.Sort(keys)
	if !slices.Equal(got, keys) {
		t.Errorf("Keys() = %v, want %v", got, keys)
	}
}

// objectKeys returns the harness's keys but for the idempotency records.
func objectKeys(t *testing.T, h Harness) []string {
	var keys []string
	for _, k := range h.Keys(t) {
		if !strings.HasPrefix(k, domain.RecordPrefix) {
			keys = append(keys, k)
		}
	}
	return keys
}

// wantAbsent asserts that the store holds no object under k.
func wantAbsent(t *testing.T, h Harness, k string) {
	t.Helper()
	if _, err := h.Store.Get(context.Background(), k); !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("Get(%q) after a failed write: %v, want ports.ErrNotFound", k, err)
	}
}

// testGet: Get reads what Create wrote, with a version; an absent key is ENotFound; records
// under the reserved prefix are kept like any object.
func testGet(t *testing.T, h Harness) {
	ctx := context.Background()
	if _, err := h.Store.Get(ctx, key()); !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("Get of an absent key: %v, want ports.ErrNotFound", err)
	}
	for _, k := range []string{key(), domain.RecordPrefix + "0123abcd"} {
		if err := h.Store.Create(ctx, ports.Object{Key: k, Data: []byte("record " + k), ContentType: "application/json"}); err != nil {
			t.Fatalf("Create(%q): %v", k, err)
		}
		got, err := h.Store.Get(ctx, k)
		if err != nil {
			t.Fatalf("Get(%q): %v", k, err)
		}
		if string(got.Data) != "record "+k || got.ETag == "" {
			t.Errorf("Get(%q) = %q with ETag %q, want the data and a version", k, got.Data, got.ETag)
		}
	}
	if keys := objectKeys(t, h); len(keys) != 1 {
		t.Errorf("objects %v, want the one outside %s", keys, domain.RecordPrefix)
	}
}

// testReplace: Replace replaces exactly the version read, and nothing else.
func testReplace(t *testing.T, h Harness) {
	ctx := context.Background()
	k := domain.RecordPrefix + "replace-" + key()[27:]
	if err := h.Store.Create(ctx, ports.Object{Key: k, Data: []byte("v1")}); err != nil {
		t.Fatal(err)
	}
	v1, err := h.Store.Get(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Store.Replace(ctx, ports.Object{Key: k, Data: []byte("v2")}, v1.ETag); err != nil {
		t.Fatalf("replace of the version read: %v", err)
	}
	v2, err := h.Store.Get(ctx, k)
	if err != nil || string(v2.Data) != "v2" || v2.ETag == v1.ETag {
		t.Fatalf("after the replace: %q %q, %v; want v2 with a new version", v2.Data, v2.ETag, err)
	}
	err = h.Store.Replace(ctx, ports.Object{Key: k, Data: []byte("v3")}, v1.ETag)
	if !errors.Is(err, ports.ErrVersion) {
		t.Errorf("replace of a stale version: %v, want ports.ErrVersion", err)
	}
	err = h.Store.Replace(ctx, ports.Object{Key: domain.RecordPrefix + "absent", Data: []byte("x")}, v1.ETag)
	if !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("replace of an absent key: %v, want ports.ErrNotFound", err)
	}
	if got, _ := h.Store.Get(ctx, k); string(got.Data) != "v2" {
		t.Errorf("object is %q after refused replaces, want v2", got.Data)
	}
}

// testConcurrentReplace: of several replaces of one version, exactly one wins.
func testConcurrentReplace(t *testing.T, h Harness) {
	ctx := context.Background()
	k := domain.RecordPrefix + "race-" + key()[27:]
	if err := h.Store.Create(ctx, ports.Object{Key: k, Data: []byte("v1")}); err != nil {
		t.Fatal(err)
	}
	v1, err := h.Store.Get(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = h.Store.Replace(ctx, ports.Object{Key: k, Data: []byte(fmt.Sprint("winner ", i))}, v1.ETag)
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("replaces %d and %d of one version both succeeded", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, ports.ErrVersion) && !errors.Is(err, ports.ErrConcurrent):
			t.Errorf("replace %d: %v, want success, ports.ErrVersion or ports.ErrConcurrent", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no replace succeeded")
	}
	if got, _ := h.Store.Get(ctx, k); string(got.Data) != fmt.Sprint("winner ", winner) {
		t.Errorf("object is %q, want the winner's", got.Data)
	}
}
