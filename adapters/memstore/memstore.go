// Package memstore is an in-memory ports.ObjectStore, for tests and for trying the service
// without storage. It keeps the same contract as the real stores (see package storetest).
package memstore

import (
	"bytes"
	"context"
	"sort"
	"sync"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// Store keeps objects in memory. The zero value is ready to use.
type Store struct {
	mu      sync.Mutex
	objects map[string][]byte
}

var _ ports.ObjectStore = (*Store)(nil)

// New returns an empty store.
func New() *Store { return &Store{} }

// Put stores a copy of obj.Data under obj.Key, unless the key exists.
func (s *Store) Put(ctx context.Context, obj ports.Object) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.objects[obj.Key]; ok {
		return ports.Errorf(ports.EConflict, "An object already exists under this key")
	}
	if s.objects == nil {
		s.objects = make(map[string][]byte)
	}
	s.objects[obj.Key] = bytes.Clone(obj.Data)
	return nil
}

// Get returns a copy of the object under key, and whether there is one.
func (s *Store) Get(key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.objects[key]
	return bytes.Clone(b), ok
}

// Keys returns every key, sorted.
func (s *Store) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.objects))
	for k := range s.objects {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
