package memstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"strconv"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// UploadPartSize is the part size of the store's uploads: small, so that tests cross parts.
const UploadPartSize = 64 << 10

var _ ports.UploadStore = (*Store)(nil)

// UploadPartSize returns UploadPartSize.
func (s *Store) UploadPartSize() int { return UploadPartSize }

// BeginUpload makes an empty staging buffer for an upload.
func (s *Store) BeginUpload(ctx context.Context, obj ports.UploadObject) (ports.UploadProgress, error) {
	if err := ctx.Err(); err != nil {
		return ports.UploadProgress{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.staged == nil {
		s.staged = make(map[string][]byte)
	}
	s.version++
	ref := "upload-" + strconv.Itoa(s.version)
	s.staged[ref] = []byte{}
	return ports.UploadProgress{Ref: ref}, nil
}

// AppendUpload appends a copy of data to the staged bytes of p, after p.Size (bytes beyond
// it, appended from an earlier progress, are dropped).
func (s *Store) AppendUpload(ctx context.Context, p ports.UploadProgress, data []byte, last bool) (ports.UploadProgress, error) {
	if err := ctx.Err(); err != nil {
		return p, err
	}
	if len(data) > UploadPartSize {
		return p, fmt.Errorf("%d bytes: more than a part (%d)", len(data), UploadPartSize)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.staged[p.Ref]
	if !ok || int64(len(b)) < p.Size {
		return p, fmt.Errorf("%s: %w", p.Ref, ports.ErrUploadGone)
	}
	s.staged[p.Ref] = append(b[:p.Size:p.Size], data...)
	p.Size += int64(len(data))
	return p, nil
}

var _ ports.PartWriter = (*Store)(nil)

// WritePart keeps a copy of data as the part of p's upload at offset, apart from its staged
// bytes until AddPart.
func (s *Store) WritePart(ctx context.Context, p ports.UploadProgress, offset int64, data []byte, last bool) (ports.UploadPart, error) {
	if err := ctx.Err(); err != nil {
		return ports.UploadPart{}, err
	}
	if err := ports.CheckPart(p, offset, len(data), UploadPartSize, last); err != nil {
		return ports.UploadPart{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.staged[p.Ref]; !ok {
		return ports.UploadPart{}, fmt.Errorf("%s: %w", p.Ref, ports.ErrUploadGone)
	}
	if s.parts == nil {
		s.parts = make(map[string][]byte)
	}
	rec := p.Ref + "@" + strconv.FormatInt(offset, 10)
	s.parts[rec] = bytes.Clone(data)
	return ports.UploadPart{Offset: offset, Size: len(data), Record: []byte(rec)}, nil
}

// AddPart appends the part that WritePart kept at p.Size to the staged bytes of p (bytes
// beyond p.Size are dropped, as AppendUpload drops them).
func (s *Store) AddPart(p ports.UploadProgress, pt ports.UploadPart, data []byte) (ports.UploadProgress, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.staged[p.Ref]
	kept, written := s.parts[string(pt.Record)]
	switch {
	case !ok || int64(len(b)) < p.Size:
		return p, fmt.Errorf("%s: %w", p.Ref, ports.ErrUploadGone)
	case !written || pt.Offset != p.Size || !bytes.Equal(kept, data):
		return p, fmt.Errorf("%s: the part at %d is not the one written there, after %d bytes", p.Ref, pt.Offset, p.Size)
	}
	s.staged[p.Ref] = append(b[:p.Size:p.Size], data...)
	delete(s.parts, string(pt.Record))
	p.Size += int64(len(data))
	return p, nil
}

// CompleteUpload stores the staged bytes of p as obj, create-only, and frees them.
func (s *Store) CompleteUpload(ctx context.Context, p ports.UploadProgress, obj ports.UploadObject) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.objects[obj.Key]; exists {
		return fmt.Errorf("%s: %w", obj.Key, ports.ErrExists)
	}
	b, ok := s.staged[p.Ref]
	if !ok || int64(len(b)) < p.Size {
		return fmt.Errorf("%s: %w", p.Ref, ports.ErrUploadGone)
	}
	data := bytes.Clone(b[:p.Size])
	if int64(len(data)) != obj.Size || sha256.Sum256(data) != obj.SHA256 {
		return fmt.Errorf("%s: %w", obj.Key, ports.ErrChecksum)
	}
	if s.objects == nil {
		s.objects = make(map[string]ports.Object)
	}
	if s.filenames == nil {
		s.filenames = make(map[string]string)
	}
	s.version++
	s.objects[obj.Key] = ports.Object{Key: obj.Key, Data: data, ContentType: obj.ContentType, Client: obj.Client, SHA256: obj.SHA256, ETag: strconv.Itoa(s.version)}
	s.filenames[obj.Key] = obj.Filename
	delete(s.staged, p.Ref)
	return nil
}

// AbortUpload frees the staged bytes of p.
func (s *Store) AbortUpload(ctx context.Context, p ports.UploadProgress) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.staged, p.Ref)
	return nil
}

// Filename returns the file name kept with the object under key by an upload.
func (s *Store) Filename(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.filenames[key]
}

// Staged returns how many uploads have staged bytes, for the tests that check they are freed.
func (s *Store) Staged() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.staged)
}

var _ ports.ETagReplacer = (*Store)(nil)

// ReplaceETag is Replace, and returns the new ETag (read under the same lock).
func (s *Store) ReplaceETag(ctx context.Context, obj ports.Object, etag string) (string, error) {
	var written string
	err := s.put(ctx, obj, func(old ports.Object, exists bool) error {
		switch {
		case !exists:
			return ports.ErrNotFound
		case old.ETag != etag:
			return ports.ErrVersion
		}
		written = strconv.Itoa(s.version + 1) // put's next version, under its lock
		return nil
	})
	return written, err
}
