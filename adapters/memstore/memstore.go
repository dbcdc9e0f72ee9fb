// Package memstore is an in-memory ports.ObjectStore, a harness of the tests and benchmarks:
// no command links it. It keeps the same contract as the real stores (see package storetest).
package memstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
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

	staged    map[string][]byte // uploads' bytes, by their progress's Ref (uploads.go)
	parts     map[string][]byte // parts written ahead of their uploads' progress, by record
	filenames map[string]string // the file names of objects that uploads made, by key
}

var _ ports.ObjectStore = (*Store)(nil)

// New returns an empty store.
func New() *Store { return &Store{} }

// Create stores a copy of obj under obj.Key unless the key exists.
func (s *Store) Create(ctx context.Context, obj ports.Object) error {
	return s.put(ctx, obj, func(old ports.Object, exists bool) error {
		if exists {
			return ports.ErrExists
		}
		return nil
	})
}

// Replace stores a copy of obj over the object of ETag etag under obj.Key.
func (s *Store) Replace(ctx context.Context, obj ports.Object, etag string) error {
	return s.put(ctx, obj, func(old ports.Object, exists bool) error {
		switch {
		case !exists:
			return ports.ErrNotFound
		case old.ETag != etag:
			return ports.ErrVersion
		}
		return nil
	})
}

// put stores a copy of obj if allow, given the object under its key, says so.
func (s *Store) put(ctx context.Context, obj ports.Object, allow func(old ports.Object, exists bool) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if obj.SHA256 != ([sha256.Size]byte{}) && sha256.Sum256(obj.Data) != obj.SHA256 {
		return ports.ErrChecksum
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, exists := s.objects[obj.Key]
	if err := allow(old, exists); err != nil {
		return fmt.Errorf("%s: %w", obj.Key, err)
	}
	if s.objects == nil {
		s.objects = make(map[string]ports.Object)
	}
	s.version++
	obj.Data, obj.ETag = bytes.Clone(obj.Data), strconv.Itoa(s.version)
	s.objects[obj.Key] = obj
	return nil
}

// Get returns a copy of the object under key.
func (s *Store) Get(ctx context.Context, key string) (ports.Object, error) {
	if err := ctx.Err(); err != nil {
		return ports.Object{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[key]
	if !ok {
		return ports.Object{}, fmt.Errorf("%s: %w", key, ports.ErrNotFound)
	}
	o.Data = bytes.Clone(o.Data)
	return o, nil
}

// Keys returns every key, sorted, for the tests that reconcile answers with what is stored.
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
