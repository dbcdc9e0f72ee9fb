package facetest

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/adapters/system"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// Core returns the drop use-case over store, on the system clock and UUIDs, configured by
// Config(CDNHeader) and then by each of set.
func Core(t testing.TB, store ports.ObjectStore, set ...func(*domain.Config)) *domain.Service {
	t.Helper()
	cfg := Config(CDNHeader)
	for _, f := range set {
		f(&cfg)
	}
	core, err := domain.New(cfg, store, system.Clock{}, system.UUIDs{})
	if err != nil {
		t.Fatal(err)
	}
	return core
}

// MemCore returns the drop use-case over a new memory store (as Core makes it), and the store.
func MemCore(t testing.TB, set ...func(*domain.Config)) (*domain.Service, *memstore.Store) {
	t.Helper()
	store := memstore.New()
	return Core(t, store, set...), store
}

// Payloads returns the payloads the store holds, sorted, the idempotency records aside.
func Payloads(store *memstore.Store) []string {
	objects := map[string][]byte{}
	for _, k := range store.Keys() {
		o, _ := store.Get(context.Background(), k)
		objects[k] = o.Data
	}
	return PayloadsOf(objects)
}

// PayloadsOf returns the payloads among objects (by key), sorted, the idempotency records
// aside.
func PayloadsOf(objects map[string][]byte) []string {
	var got []string
	for _, k := range slices.Sorted(maps.Keys(objects)) {
		if !strings.HasPrefix(k, domain.RecordPrefix) {
			got = append(got, string(objects[k]))
		}
	}
	slices.Sort(got)
	return got
}
