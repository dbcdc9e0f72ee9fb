// Package s3script is an S3 endpoint for tests that answers each PutObject from a script: the
// answers S3 documents, and the network's, in an order the test chooses, so that the real SDK
// and the real s3store meet every sequence of them. What it stores it stores honestly:
// PutObject create-only (If-None-Match: *) and conditional (If-Match), the
// x-amz-checksum-sha256 verified and kept, the content type and the x-amz-meta-* headers;
// GetObject with the ETag and, on request, the checksum. One server holds many buckets, each
// with its own scripts and objects, so that cases can run side by side.
package s3script

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Answer is how the endpoint answers one PutObject.
type Answer int

// The answers. "Commit" is S3 acting on the request: after it, the object may be stored.
const (
	OK                   Answer = iota // processed and answered honestly
	LostAfterCommit                    // processed honestly; the connection closed with no answer
	LostBeforeCommit                   // the connection closed with no answer, nothing processed
	Error500AfterCommit                // processed honestly; answered 500 InternalError
	Error500BeforeCommit               // answered 500 InternalError, nothing processed
	SlowDown                           // answered 503 SlowDown, nothing processed
	Conflict                           // answered 409 ConditionalRequestConflict, nothing processed
	PreconditionFailed                 // answered 412 PreconditionFailed where that is true (see Server)
)

// Answers is every answer, in the order of the constants.
var Answers = []Answer{OK, LostAfterCommit, LostBeforeCommit, Error500AfterCommit, Error500BeforeCommit, SlowDown, Conflict, PreconditionFailed}

var answerNames = [...]string{"ok", "lost-after-commit", "lost-before-commit", "500-after-commit", "500-before-commit", "503-slowdown", "409-conflict", "412"}

func (a Answer) String() string {
	if int(a) < len(answerNames) {
		return answerNames[a]
	}
	return "answer(" + strconv.Itoa(int(a)) + ")"
}

// Object is what a bucket holds under a key.
type Object struct {
	Data        []byte
	ContentType string
	Meta        map[string]string // x-amz-meta-*, by lower-case name without the prefix
	SHA256      string            // the x-amz-checksum-sha256 it was written with, if any
	ETag        string            // quoted, as S3 sends it
}

// Server is the endpoint. Keys under RecordPrefix are records, all others payloads; each
// kind has a script of its own in each bucket.
//
// PreconditionFailed is S3's answer when the key holds an object, so the endpoint gives it
// only where it is true. On a payload key (a fresh random key that nobody else writes) it
// answers 412 only if the key holds an object, and otherwise processes the request honestly.
// On a record key, a create-only write to a key that holds an object is answered 412; any
// other record write (to an empty key, or If-Match) first stores what a request with the same
// record would have written before this one (Foreign), then answers 412.
type Server struct {
	*httptest.Server
	recordPrefix string
	foreign      func(claim []byte) ([]byte, error)

	mu      sync.Mutex
	buckets map[string]*Bucket
}

// New starts a server, closed when the test ends. recordPrefix names the record keys;
// foreign returns, for a record a request writes, the record another request for the same
// key wrote before it.
func New(t testing.TB, recordPrefix string, foreign func(claim []byte) ([]byte, error)) *Server {
	t.Helper()
	s := &Server{recordPrefix: recordPrefix, foreign: foreign, buckets: map[string]*Bucket{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Bucket is one bucket of the server: its objects and its scripts.
type Bucket struct {
	Name string

	mu       sync.Mutex
	objects  map[string]Object
	payloads []Answer // the answers still to give to payload writes
	records  []Answer // the answers still to give to record writes
	puts     int
}

// NewBucket adds an empty bucket with a fresh name and no script: every write is answered OK
// until Script says otherwise.
func (s *Server) NewBucket() *Bucket {
	b := make([]byte, 6)
	rand.Read(b)
	bk := &Bucket{Name: "script-" + hex.EncodeToString(b), objects: map[string]Object{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buckets[bk.Name] = bk
	return bk
}

// CopyBucket adds a bucket with a fresh name that holds a copy of from's objects, and no
// script.
func (s *Server) CopyBucket(from *Bucket) *Bucket {
	b := s.NewBucket()
	for k, o := range from.Objects() {
		b.objects[k] = o
	}
	return b
}

// Script sets the answers to the bucket's next payload writes and record writes, one each,
// in order; once a script is spent, writes are answered OK.
func (b *Bucket) Script(payloads, records []Answer) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.payloads = append([]Answer(nil), payloads...)
	b.records = append([]Answer(nil), records...)
}

// Objects returns a copy of what the bucket holds, by key.
func (b *Bucket) Objects() map[string]Object {
	b.mu.Lock()
	defer b.mu.Unlock()
	return maps.Clone(b.objects)
}

// Left returns how many answers of each script are still to give.
func (b *Bucket) Left() (payloads, records int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.payloads), len(b.records)
}

// Puts returns how many PutObject requests the bucket has received.
func (b *Bucket) Puts() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.puts
}

// next takes the answer to a write of the record kind or the payload kind.
func (b *Bucket) next(record bool) Answer {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.puts++
	script := &b.payloads
	if record {
		script = &b.records
	}
	if len(*script) == 0 {
		return OK
	}
	a := (*script)[0]
	*script = (*script)[1:]
	return a
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	name, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	s.mu.Lock()
	b := s.buckets[name]
	s.mu.Unlock()
	switch {
	case b == nil:
		WriteError(w, http.StatusNotFound, "NoSuchBucket")
	case key == "":
		WriteError(w, http.StatusNotImplemented, "NotImplemented")
	case r.Method == http.MethodPut:
		s.put(w, r, b, key)
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		b.get(w, r, key)
	default:
		WriteError(w, http.StatusNotImplemented, "NotImplemented")
	}
}

// put answers one PutObject from the bucket's script.
func (s *Server) put(w http.ResponseWriter, r *http.Request, b *Bucket, key string) {
	data, err := readBody(r)
	if err != nil {
		WriteError(w, http.StatusBadRequest, "IncompleteBody")
		return
	}
	record := strings.HasPrefix(key, s.recordPrefix)
	answer := b.next(record)
	switch answer {
	case LostBeforeCommit:
		hangUp(w)
		return
	case Error500BeforeCommit:
		WriteError(w, http.StatusInternalServerError, "InternalError")
		return
	case SlowDown:
		WriteError(w, http.StatusServiceUnavailable, "SlowDown")
		return
	case Conflict:
		WriteError(w, http.StatusConflict, "ConditionalRequestConflict")
		return
	case PreconditionFailed:
		if s.precondition(b, r, key, record, data) {
			WriteError(w, http.StatusPreconditionFailed, "PreconditionFailed")
			return
		}
	}
	status, code, obj := b.apply(r, key, data)
	switch {
	case answer == LostAfterCommit:
		hangUp(w)
	case answer == Error500AfterCommit:
		WriteError(w, http.StatusInternalServerError, "InternalError")
	case status != http.StatusOK:
		WriteError(w, status, code)
	default:
		w.Header().Set("ETag", obj.ETag)
		if obj.SHA256 != "" {
			w.Header().Set("X-Amz-Checksum-Sha256", obj.SHA256)
		}
		w.WriteHeader(http.StatusOK)
	}
}

// precondition reports whether a scripted 412 is true of the write, making it so for a record
// (see Server).
func (s *Server) precondition(b *Bucket, r *http.Request, key string, record bool, data []byte) bool {
	b.mu.Lock()
	_, held := b.objects[key]
	b.mu.Unlock()
	switch {
	case held && r.Header.Get("If-None-Match") == "*":
		return true
	case !record:
		return held && r.Header.Get("If-Match") != ""
	}
	other, err := s.foreign(data)
	if err != nil {
		return false
	}
	sum := sha256.Sum256(other)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.objects[key] = newObject(other, r.Header.Get("Content-Type"), nil, base64.StdEncoding.EncodeToString(sum[:]))
	return true
}

// apply does what S3 does with a PutObject: it checks the checksum and the conditions, then
// stores the object. It returns the status, the error code of a refusal, and what it stored.
func (b *Bucket) apply(r *http.Request, key string, data []byte) (int, string, Object) {
	sum := r.Header.Get("X-Amz-Checksum-Sha256")
	if got := sha256.Sum256(data); sum != "" && sum != base64.StdEncoding.EncodeToString(got[:]) {
		return http.StatusBadRequest, "BadDigest", Object{}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	cur, held := b.objects[key]
	switch m := r.Header.Get("If-Match"); {
	case r.Header.Get("If-None-Match") == "*" && held:
		return http.StatusPreconditionFailed, "PreconditionFailed", Object{}
	case m != "" && !held:
		return http.StatusNotFound, "NoSuchKey", Object{}
	case m != "" && m != cur.ETag:
		return http.StatusPreconditionFailed, "PreconditionFailed", Object{}
	}
	meta := map[string]string{}
	for name, v := range r.Header {
		if n := strings.ToLower(name); strings.HasPrefix(n, "x-amz-meta-") {
			meta[strings.TrimPrefix(n, "x-amz-meta-")] = v[0]
		}
	}
	obj := newObject(data, r.Header.Get("Content-Type"), meta, sum)
	b.objects[key] = obj
	return http.StatusOK, "", obj
}

func newObject(data []byte, contentType string, meta map[string]string, sum string) Object {
	tag := md5.Sum(data)
	return Object{Data: bytes.Clone(data), ContentType: contentType, Meta: meta, SHA256: sum, ETag: `"` + hex.EncodeToString(tag[:]) + `"`}
}

// get answers GetObject (and HeadObject) honestly.
func (b *Bucket) get(w http.ResponseWriter, r *http.Request, key string) {
	b.mu.Lock()
	o, ok := b.objects[key]
	b.mu.Unlock()
	if !ok {
		WriteError(w, http.StatusNotFound, "NoSuchKey")
		return
	}
	h := w.Header()
	h.Set("ETag", o.ETag)
	h.Set("Content-Length", strconv.Itoa(len(o.Data)))
	h.Set("Last-Modified", time.Now().UTC().Format(http.TimeFormat))
	if o.ContentType != "" {
		h.Set("Content-Type", o.ContentType)
	}
	for k, v := range o.Meta {
		h.Set("X-Amz-Meta-"+k, v)
	}
	if o.SHA256 != "" && strings.EqualFold(r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") {
		h.Set("X-Amz-Checksum-Sha256", o.SHA256)
		h.Set("X-Amz-Checksum-Type", "FULL_OBJECT")
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(o.Data)
	}
}

// readBody returns a PutObject's bytes, decoded from aws-chunked if the SDK sent them so.
func readBody(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(r.Body)
	if err != nil || !strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") {
		return data, err
	}
	var out []byte
	for {
		line, rest, ok := bytes.Cut(data, []byte("\r\n"))
		if !ok {
			return nil, fmt.Errorf("aws-chunked: no chunk header")
		}
		size, _, _ := bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseInt(string(size), 16, 64)
		if err != nil || n < 0 || int64(len(rest)) < n {
			return nil, fmt.Errorf("aws-chunked: bad chunk size %q", size)
		}
		if n == 0 {
			return out, nil // trailers follow: the checksum, which the header check covers
		}
		out = append(out, rest[:n]...)
		data = bytes.TrimPrefix(rest[n:], []byte("\r\n"))
	}
}

// hangUp closes the request's connection without an answer.
func hangUp(w http.ResponseWriter) { HangUp(w, false) }

// HangUp closes the connection of w without an answer: the answer is lost. With reset, the
// peer reads a reset (RST) rather than an end of stream.
func HangUp(w http.ResponseWriter, reset bool) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	if tcp, ok := conn.(*net.TCPConn); ok && reset {
		tcp.SetLinger(0)
	}
	conn.Close()
}

// WriteError writes S3's answer of status with an error document of code.
func WriteError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>injected</Message><RequestId>injected</RequestId></Error>`, code)
}
