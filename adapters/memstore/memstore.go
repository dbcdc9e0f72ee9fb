// Package memstore is an in-memory ports.ObjectStore, for tests and for trying the service
// without storage. It keeps the same contract as the real stores (see package storetest).
package memstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"sort"
	"sync"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// Store keeps objects in memory. The zero value is ready to use.
type Store struct {
	mu      sync.Mutex
	objects map[string]ports.Object
}

var _ ports.ObjectStore = (*Store)(nil)

// New returns an empty store.
func New() *Store { return &Store{} }

// Put stores a copy of obj under obj.Key, unless the key exists or the data does not match
// obj.SHA256.
func (s *Store) Put(ctx context.Context, obj ports.Object) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if obj.SHA256 != ([sha256.Size]byte{}) && sha256.Sum256(obj.Data) != obj.SHA256 {
		return ports.Errorf(ports.EBadDigest, "The data does not match its SHA-256")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.objects[obj.Key]; ok {
		return ports.Errorf(ports.EConflict, "An object already exists under this key")
	}
	if s.objects == nil {
		s.objects = make(map[string]ports.Object)
	}
	obj.Data = bytes.Clone(obj.Data)
	s.objects[obj.Key] = obj
	return nil
}

// Object returns a copy of the object under key, with its attributes, and whether there is one.
func (s *Store) Object(key string) (ports.Object, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[key]
	o.Data = bytes.Clone(o.Data)
	return o, ok
}

// Get returns a copy of the data under key, and whether there is an object.
func (s *Store) Get(key string) ([]byte, bool) {
	o, ok := s.Object(key)
	return o.Data, ok
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
