// Package ports holds the boundary of the dropbox core: the use-case it offers to inbound
// adapters (Dropper), what it needs from the outside (ObjectStore, Clock, IDSource), and the data
// that crosses the boundary. It imports only the standard library, so that the domain and every
// adapter can depend on it without a cycle.
package ports

import (
	"context"
	"crypto/sha256"
	"errors"
	"time"
)

//go:generate go tool moq -rm -out ../mocks/ports.go -pkg mocks . ObjectStore Clock IDSource Body

// Dropper is the drop use-case: authorize, validate, store. Inbound adapters call it.
type Dropper interface {
	// Drop keeps the request's payload as a new object. Every failure is a *domain.Error whose
	// code says why, and whose code tells what was stored (see docs/promises.md).
	Drop(ctx context.Context, req DropRequest) (DropResult, error)
}

// DropRequest is one request as an inbound adapter received it. The core reads headers and the
// body only as far as its checks need, in the contract's order.
type DropRequest struct {
	Method string // the HTTP method as sent
	Header Header // the request headers
	Body   Body   // the payload, or nil when the request carries no body at all
	// Admission, when set, holds the request to its client's share of the adapter's scarce
	// resources once the core knows the client; nil: none.
	Admission Admission
}

// Admission is an inbound adapter's gate between authorization and the body: the core calls
// Admit once it has authorized the request and checked its headers, before it reads the body,
// with the client's identity: its token entry's name, or for an unnamed entry the name and
// the entry's position (such as "default#2"), so that every entry is told apart. An error
// refuses the request (the core returns it as it is: a *domain.Error whose code says why, such
// as too_many); else done is called once the drop is over, stored or not.
type Admission interface {
	Admit(ctx context.Context, client string) (done func(), err error)
}

// Header looks up request headers.
type Header interface {
	// Get returns the value of the named header, matched case-insensitively, and whether the
	// request carries it at all. Several values are joined with commas.
	Get(name string) (value string, ok bool)
}

// Body is a request's payload, read only after the request has passed the checks before it.
type Body interface {
	// Read returns the payload's bytes, decoded from any transfer encoding. It reads at most
	// max+1 bytes, so that a payload over max is seen without reading all of it. A payload
	// that cannot be decoded or read is a *domain.Error.
	//
	// The bytes are read-only: the core and every store only read them (Object.Data), so an
	// adapter may return memory it shares with the request, even a string's.
	Read(max int) ([]byte, error)
}

// DropResult describes a drop. After a failure it holds what was known when the drop
// stopped: the client once authorized, the size once the body was read, the storage time
// once storage was tried.
type DropResult struct {
	Key           string        // the new object's key; empty unless stored
	Size          int           // the payload's length in bytes
	Client        string        // the name of the client whose token was accepted
	StoreTried    bool          // the store was called, whatever it answered
	StoreDuration time.Duration // how long the store took, if StoreTried (a clock may say 0)
	Replayed      bool          // an idempotent retry of a drop already stored: nothing new was stored
}

// Object is what the core asks a store to keep. Data is read-only: a store must not modify
// it (it may share memory with the request).
type Object struct {
	Key         string
	Data        []byte
	ContentType string            // the payload's media type
	Client      string            // the name of the client that dropped it (S3: x-amz-meta-client)
	SHA256      [sha256.Size]byte // the SHA-256 of Data; S3 checks it on arrival and keeps it
	ETag        string            // set by Get: the object's version, for Replace
}

// ObjectStore keeps objects. Implementations must be safe for concurrent use.
//
// Every write reports one of four outcomes, which the core turns into its two promises (a
// 202 is the whole payload stored once; "not stored" is said only of what was not stored):
//
//   - nil: this call stored the whole object.
//   - an error that is ErrUnknown: the outcome is unknown (an attempt's answer was lost); the
//     object may be stored, whole, or not at all. Joined with ErrExists: the key holds an
//     object, which an earlier attempt of this same call, whose answer was lost, may have
//     written; on a fresh key nobody else writes, it did.
//   - any other error: this call stored nothing (ErrExists, ErrNotFound, ErrVersion,
//     ErrConcurrent, ErrChecksum, or a definite failure).
//
// A read reports the object, ErrNotFound (no object under the key), ErrDenied (the store
// refused to say: the service lacks a permission), or another failure.
//
// A failed write never leaves part of an object under the key.
type ObjectStore interface {
	// Create stores obj under obj.Key, create-only: an existing object is never replaced
	// (ErrExists). When obj.SHA256 is set, data that does not match it is refused
	// (ErrChecksum) and the SHA-256 is kept with the object.
	Create(ctx context.Context, obj Object) error

	// Replace replaces the object under obj.Key, atomically, only if its ETag is etag:
	// another version is ErrVersion, no object ErrNotFound; a write that raced another
	// conditional write of the key may fail with ErrConcurrent (retry it).
	Replace(ctx context.Context, obj Object, etag string) error

	// Get returns the object under key with its attributes (content type, client, SHA-256)
	// and ETag; no object is ErrNotFound; a read the store refuses for lack of permission is
	// ErrDenied, never ErrNotFound. The service reads only its idempotency records.
	Get(ctx context.Context, key string) (Object, error)
}

// Store outcomes, matched with errors.Is. Stores wrap them with their cause.
var (
	ErrExists     = errors.New("an object already exists under the key")
	ErrNotFound   = errors.New("no object under the key")
	ErrVersion    = errors.New("the object under the key has another version")
	ErrConcurrent = errors.New("a concurrent conditional write of the key conflicted")
	ErrChecksum   = errors.New("the data does not match its SHA-256")
	ErrUnknown    = errors.New("the write's outcome is unknown: its answer was lost")
	// ErrDenied is a read the store refused for lack of permission: whether an object is
	// under the key is unknown (S3 answers a missing key 403 to a caller without
	// s3:ListBucket). It is a misconfiguration of the service, not a brief failure.
	ErrDenied = errors.New("the store denied the read: the service lacks a permission")
)

// Clock tells the time; keys are made from it.
type Clock interface {
	Now() time.Time
}

// IDSource makes unique ids (random version-4 UUIDs in production); keys end with one.
type IDSource interface {
	NewID() (string, error)
}
