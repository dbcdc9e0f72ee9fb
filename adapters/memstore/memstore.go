// Package memstore is an in-memory ports.ObjectStore, for tests and for trying the service
// without storage. It keeps the same contract as the real stores (see package storetest).
package memstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"sort"
	"strconv"
	"sync"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// Store keeps objects in memory. The zero value is ready to use.
type Store struct {
	mu      sync.Mutex
	objects map[string]ports.Object
	version int // the last ETag given
}

var _ ports.ObjectStore = (*Store)(nil)

// New returns an empty store.
func New() *Store { return &Store{} }

// Put stores a copy of obj under obj.Key: created unless the key exists, or with obj.IfMatch,
// replacing the object of that ETag. Data that does not match obj.SHA256 is refused.
func (s *Store) Put(ctx context.Context, obj ports.Object) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if obj.SHA256 != ([sha256.Size]byte{}) && sha256.Sum256(obj.Data) != obj.SHA256 {
		return ports.Errorf(ports.EBadDigest, "The data does not match its SHA-256")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, exists := s.objects[obj.Key]
	switch {
	case obj.IfMatch == "" && exists:
		return ports.Errorf(ports.EConflict, "An object already exists under this key")
	case obj.IfMatch != "" && !exists:
		return ports.Errorf(ports.ENotFound, "No object under this key")
	case obj.IfMatch != "" && old.ETag != obj.IfMatch:
		return ports.Errorf(ports.EConflict, "The object under this key has another version")
	}
	if s.objects == nil {
		s.objects = make(map[string]ports.Object)
	}
	s.version++
	obj.Data, obj.IfMatch, obj.ETag = bytes.Clone(obj.Data), "", strconv.Itoa(s.version)
	s.objects[obj.Key] = obj
	return nil
}

// Get returns a copy of the object under key.
func (s *Store) Get(ctx context.Context, key string) (ports.Object, error) {
	if err := ctx.Err(); err != nil {
		return ports.Object{}, err
	}
	o, ok := s.Object(key)
	if !ok {
		return ports.Object{}, ports.Errorf(ports.ENotFound, "No object under this key")
	}
	return o, nil
}

// Object returns a copy of the object under key, with its attributes, and whether there is one.
func (s *Store) Object(key string) (ports.Object, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[key]
	o.Data = bytes.Clone(o.Data)
	return o, ok
}

// Data returns a copy of the data under key, and whether there is an object.
func (s *Store) Data(key string) ([]byte, bool) {
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
