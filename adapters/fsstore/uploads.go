//go:build linux || darwin

package fsstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// StagingDir is the hidden folder, below the store's folder, of the uploads' bytes in
// progress: one file each, made durable part by part, renamed under its key (create-only) when
// the upload completes.
const StagingDir = ".staging"

// UploadPartSize is the part size of the folder store's uploads: each part is synced.
const UploadPartSize = 1 << 20

// AttrFilename is the extended attribute of the file name an upload gave.
const AttrFilename = "user.filename"

var _ ports.UploadStore = (*Store)(nil)

// UploadPartSize returns UploadPartSize.
func (s *Store) UploadPartSize() int { return UploadPartSize }

// staging returns the path of an upload's staged file, refusing a ref of another form.
func (s *Store) staging(ref string) (string, error) {
	if len(ref) != 32 || strings.Trim(ref, "0123456789abcdef") != "" {
		return "", fmt.Errorf("upload %q: %w", ref, ports.ErrUploadGone)
	}
	return filepath.Join(s.dir, StagingDir, ref), nil
}

// BeginUpload makes an empty staged file, durably (its name synced into StagingDir).
func (s *Store) BeginUpload(ctx context.Context, obj ports.UploadObject) (ports.UploadProgress, error) {
	if _, err := s.path(obj.Key); err != nil {
		return ports.UploadProgress{}, err
	}
	if err := s.holds(); err != nil {
		return ports.UploadProgress{}, err
	}
	dir := filepath.Join(s.dir, StagingDir)
	if err := s.makeDirs(dir, true); err != nil {
		return ports.UploadProgress{}, fmt.Errorf("create %s: %w", StagingDir, err)
	}
	var b [16]byte
	rand.Read(b[:])
	ref := hex.EncodeToString(b[:])
	f, err := os.OpenFile(filepath.Join(dir, ref), os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return ports.UploadProgress{}, fmt.Errorf("begin upload: %w", err)
	}
	f.Close()
	if err := s.syncDir(dir); err != nil {
		os.Remove(filepath.Join(dir, ref))
		return ports.UploadProgress{}, fmt.Errorf("begin upload: %w", err)
	}
	return ports.UploadProgress{Ref: ref}, ctx.Err()
}

// openStaged opens p's staged file for writing, checking that it holds p's bytes at least.
func (s *Store) openStaged(p ports.UploadProgress) (*os.File, error) {
	path, err := s.staging(p.Ref)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_NOFOLLOW, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("upload %s: %w", p.Ref, ports.ErrUploadGone)
	}
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && fi.Size() < p.Size {
		err = fmt.Errorf("upload %s: %d bytes staged, fewer than %d: %w", p.Ref, fi.Size(), p.Size, ports.ErrUploadGone)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// AppendUpload writes data at p.Size in p's staged file (dropping anything after it) and syncs
// it: the bytes a progress counts survive a crash.
func (s *Store) AppendUpload(ctx context.Context, p ports.UploadProgress, data []byte, last bool) (ports.UploadProgress, error) {
	if len(data) > UploadPartSize {
		return p, fmt.Errorf("%d bytes: more than a part (%d)", len(data), UploadPartSize)
	}
	f, err := s.openStaged(p)
	if err != nil {
		return p, err
	}
	defer f.Close()
	if err := f.Truncate(p.Size); err != nil {
		return p, fmt.Errorf("upload %s: %w", p.Ref, err)
	}
	if _, err := f.WriteAt(data, p.Size); err != nil {
		return p, fmt.Errorf("upload %s: %w", p.Ref, err)
	}
	if err := s.hooks.syncFile(f); err != nil {
		return p, fmt.Errorf("upload %s: %w", p.Ref, err)
	}
	p.Size += int64(len(data))
	return p, ctx.Err()
}

// CompleteUpload makes p's staged file the object obj: its bytes checked against obj.SHA256
// (read again from the file), its attributes set, synced, and renamed under the key without
// replacing anything (create-only, atomic: the staged name is gone in the same step), the
// key's folder synced. A key taken is ErrExists once its name is durable.
func (s *Store) CompleteUpload(ctx context.Context, p ports.UploadProgress, obj ports.UploadObject) error {
	path, err := s.path(obj.Key)
	if err != nil {
		return err
	}
	if err := s.holds(); err != nil {
		return err
	}
	if _, err := os.Lstat(path); err == nil {
		return s.foundBeneath(obj.Key, path)
	}
	f, err := s.openStaged(p)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := s.finishStaged(f, p, obj); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := s.makeDirs(dir, true); err != nil {
		return fmt.Errorf("create folder for %s: %w", obj.Key, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dirfd, err := s.openDir(dir)
	if err != nil {
		return fmt.Errorf("publish %s: %w", obj.Key, err)
	}
	defer unix.Close(dirfd)
	staged, _ := s.staging(p.Ref)
	if err := renameNoReplaceAt(staged, dirfd, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return s.found(obj.Key, dirfd, path)
		}
		return fmt.Errorf("publish %s: %w", obj.Key, err)
	}
	if err := s.syncDir(dir); err != nil {
		return fmt.Errorf("%s: %w: %w", obj.Key, ports.ErrUnknown, err)
	}
	return nil
}

// finishStaged makes p's staged file f the object obj's, not yet under its key: cut to p's
// size, its bytes checked against obj.SHA256 (read again), its attributes set, synced.
func (s *Store) finishStaged(f *os.File, p ports.UploadProgress, obj ports.UploadObject) error {
	if err := f.Truncate(p.Size); err != nil {
		return fmt.Errorf("upload %s: %w", p.Ref, err)
	}
	h := sha256.New()
	if n, err := io.Copy(h, io.NewSectionReader(f, 0, p.Size)); err != nil || n != obj.Size {
		return fmt.Errorf("upload %s: read %d of %d bytes: %v: %w", p.Ref, n, obj.Size, err, ports.ErrChecksum)
	}
	if [sha256.Size]byte(h.Sum(nil)) != obj.SHA256 {
		return fmt.Errorf("%s: %w", obj.Key, ports.ErrChecksum)
	}
	if err := setAttrs(f, ports.Object{ContentType: obj.ContentType, Client: obj.Client, SHA256: obj.SHA256}); err != nil {
		return err
	}
	if obj.Filename != "" {
		if err := unix.Fsetxattr(int(f.Fd()), AttrFilename, []byte(obj.Filename), 0); err != nil {
			return fmt.Errorf("set %s: %w", AttrFilename, err)
		}
	}
	return s.hooks.syncFile(f)
}

// AbortUpload removes p's staged file.
func (s *Store) AbortUpload(ctx context.Context, p ports.UploadProgress) error {
	path, err := s.staging(p.Ref)
	if err != nil {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// SweepUploads removes the staged files of uploads last written before cutoff, and the
// uploads' state records (under statePrefix, domain.UploadPrefix) last written before it: an
// upload expires by its TTL after its creation, and each of its writes is after that. It
// returns how many files it removed.
func (s *Store) SweepUploads(statePrefix string, cutoff time.Time) (int, error) {
	removed := 0
	var errs []error
	for _, dir := range []string{filepath.Join(s.dir, StagingDir), filepath.Join(s.dir, filepath.FromSlash(strings.TrimSuffix(statePrefix, "/")))} {
		entries, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, e := range entries {
			fi, err := e.Info()
			if err != nil || !fi.Mode().IsRegular() || !fi.ModTime().Before(cutoff) {
				continue
			}
			if err := os.Remove(filepath.Join(dir, e.Name())); err == nil {
				removed++
			} else if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return removed, errors.Join(errs...)
}

// Filename returns the file name an upload kept with the object under key ("" if none).
func (s *Store) Filename(key string) (string, error) {
	path, err := s.path(key)
	if err != nil {
		return "", err
	}
	buf := make([]byte, 1024)
	n, err := unix.Lgetxattr(path, AttrFilename, buf)
	if errors.Is(err, errNoAttr) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

var _ ports.ETagReplacer = (*Store)(nil)

// ReplaceETag is Replace, and returns the new object's ETag: its bytes' SHA-256.
func (s *Store) ReplaceETag(ctx context.Context, obj ports.Object, etag string) (string, error) {
	if err := s.Replace(ctx, obj, etag); err != nil {
		return "", err
	}
	return etagOf(obj.Data), nil
}

// foundBeneath is found for a key whose folder is not open yet: the folder opened beneath the
// store's, following no symlink.
func (s *Store) foundBeneath(key, path string) error {
	dirfd, err := s.openDir(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	defer unix.Close(dirfd)
	return s.found(key, dirfd, path)
}
