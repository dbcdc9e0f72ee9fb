package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/s3-dropbox/s3-dropbox/contract"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/s3-dropbox/s3-dropbox/client"
)

// uploader sends a file too large for a drop as an upload (tus 1.0.0), when the service
// offers uploads beside the drop URL (asked once, with OPTIONS), resuming from a state file
// per file under stateDir.
type uploader struct {
	cl       *client.Client
	chunk    int
	stateDir string
	progress io.Writer // where the progress line goes: a terminal; nil: none

	once  sync.Once
	offer client.Offer
	err   error
}

// terminal reports whether w is a terminal.
func terminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// defaultStateDir is where the state files go by default: the user's cache folder.
func defaultStateDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "s3-dropbox-send", "uploads")
}

// try sends file as an upload if it is a regular file over maxBytes and the service offers
// uploads; ok says it did (or tried). Standard input is never uploaded: it cannot be read
// again to resume.
func (u *uploader) try(ctx context.Context, file, contentType string, maxBytes int) (result, bool) {
	if u == nil || file == "-" {
		return result{}, false
	}
	f, err := os.Open(file)
	if err != nil {
		return result{}, false // reported when read as a drop
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() <= int64(maxBytes) || !u.offered(ctx) {
		return result{}, false
	}
	r := result{File: file}
	if u.err != nil {
		r.Outcome, r.Error = contract.NotStored, "the service's uploads could not be asked for: "+u.err.Error()
		return r, true
	}
	if contentType == "" {
		contentType = mime.TypeByExtension(filepath.Ext(file))
	}
	abs, _ := filepath.Abs(file)
	key := sha256.Sum256([]byte(u.offer.URL + "\x00" + abs))
	opts := []client.UploadOption{
		client.WithChunkSize(u.chunk),
		client.WithFilename(filepath.Base(file)),
		client.WithStateFile(filepath.Join(u.stateDir, hex.EncodeToString(key[:16])+".json")),
	}
	if contentType != "" {
		opts = append(opts, client.WithUploadContentType(contentType))
	}
	if u.progress != nil {
		opts = append(opts, client.WithProgress(progressLine(u.progress, shown(file), time.Now())))
	}
	rec, err := u.cl.Upload(ctx, u.offer, f, fi.Size(), opts...)
	if u.progress != nil {
		fmt.Fprint(u.progress, "\r\033[K")
	}
	r.Attempts = rec.Requests
	if err == nil {
		r.Outcome, r.Status = contract.Stored, http.StatusNoContent
		if rec.Replayed {
			r.Outcome = contract.Replayed
		}
		return r, true
	}
	var e *client.Error
	r.Outcome, r.Error = contract.Unknown, err.Error()
	if errors.As(err, &e) {
		r.Status, r.Error = e.Status, e.Message
		if e.Outcome != "" {
			r.Outcome = e.Outcome
		}
	}
	if r.Outcome != contract.Refused {
		r.Error += " (run the same command again: it resumes the upload)"
	}
	return r, true
}

// offered asks the service for its uploads once per run, and says whether to try one: it
// offers them, or asking failed (said in the file's result).
func (u *uploader) offered(ctx context.Context) bool {
	u.once.Do(func() { u.offer, u.err = u.cl.Uploads(ctx) })
	return !errors.Is(u.err, client.ErrNoUploads)
}

// progressLine returns a progress callback that rewrites one line on w: the bytes sent, the
// rate, the time left.
func progressLine(w io.Writer, name string, start time.Time) func(sent, total int64) {
	first := int64(-1)
	return func(sent, total int64) {
		if first < 0 {
			first = sent
		}
		elapsed := time.Since(start).Seconds()
		rate := float64(sent-first) / max(elapsed, 0.001)
		left := "?"
		if rate > 0 {
			left = (time.Duration(float64(total-sent)/rate) * time.Second).Round(time.Second).String()
		}
		fmt.Fprintf(w, "\r\033[K%s: %.1f of %.1f MiB, %.1f MiB/s, %s left", name, float64(sent)/(1<<20), float64(total)/(1<<20), rate/(1<<20), left)
	}
}
