// Package domain is the dropbox core: the drop use-case (authorize, validate, store) behind
// ports.Dropper, and the dropbox's vocabulary: tokens and credentials, the key layout, the
// limits, the error codes and their messages. It guards every rule of the dropbox itself:
// New refuses any configuration they forbid. It knows the HTTP semantics of the contract (the
// header names, POST, content-length, digests, Idempotency-Key) and the outcomes every store
// gives through ports.ObjectStore; it knows no transport, no environment, and no rule of one
// deployment (CloudFront's headers, the Function URL's size limit): the adapters and wiring
// bring those.
package domain

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// Config is what the core is configured with. Its zero values are the defaults: the limit is
// DefaultMaxBytes, keys are flat, an Idempotency-Key holds DefaultIdempotencyTTL.
type Config struct {
	CDNHeader     string       // the header the CDN adds, matched case-insensitively
	CDNTokens     []Credential // accepted CDN tokens
	AuthTokens    []Credential // accepted client tokens
	MaxBytes      int          // the payload limit; DefaultMaxBytes when 0
	KeyPrefix     string       // put before every key, such as "drops/" (CheckKeyPrefix)
	DatePartition bool         // put dt=YYYY-MM-DD/ (UTC) between the prefix and the key
	// IdempotencyTTL is how long an Idempotency-Key holds; DefaultIdempotencyTTL when 0.
	IdempotencyTTL time.Duration
}

// Service implements ports.Dropper.
type Service struct {
	cfg   Config
	store ports.ObjectStore
	clock ports.Clock
	ids   ports.IDSource
}

var _ ports.Dropper = (*Service)(nil)

// New returns the drop use-case over a store, a clock and an id source. A configuration that
// could never authorize a request, or that a rule of the dropbox forbids (a malformed header
// name or key prefix, a token given twice or accepted from both a client and the CDN), is an
// error, so that nothing is served half-configured.
func New(cfg Config, store ports.ObjectStore, clock ports.Clock, ids ports.IDSource) (*Service, error) {
	switch {
	case len(cfg.CDNTokens) == 0:
		return nil, fmt.Errorf("no CDN token")
	case len(cfg.AuthTokens) == 0:
		return nil, fmt.Errorf("no auth token")
	case cfg.MaxBytes < 0:
		return nil, fmt.Errorf("payload limit %d: must not be negative", cfg.MaxBytes)
	case store == nil || clock == nil || ids == nil:
		return nil, fmt.Errorf("a store, a clock and an id source are all required")
	}
	if err := CheckCDNHeader(cfg.CDNHeader); err != nil {
		return nil, fmt.Errorf("CDN header name: %w", err)
	}
	if err := CheckCredentials(cfg.CDNTokens); err != nil {
		return nil, fmt.Errorf("CDN tokens: %w", err)
	}
	if err := CheckCredentials(cfg.AuthTokens); err != nil {
		return nil, fmt.Errorf("client tokens: %w", err)
	}
	if err := CheckLayers(cfg.AuthTokens, cfg.CDNTokens); err != nil {
		return nil, err
	}
	if err := CheckKeyPrefix(cfg.KeyPrefix); err != nil {
		return nil, fmt.Errorf("key prefix: %w", err)
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.IdempotencyTTL < 0 {
		return nil, fmt.Errorf("negative idempotency TTL")
	}
	if cfg.IdempotencyTTL == 0 {
		cfg.IdempotencyTTL = DefaultIdempotencyTTL
	}
	return &Service{cfg: cfg, store: store, clock: clock, ids: ids}, nil
}

// Drop authorizes, validates and stores one request, in this order: the CDN header, the
// authorization header, the method, content-length, the content type's length, the presence
// of a body, its decoding and real length; then any digest the client sent, and its
// Idempotency-Key; then the payload is stored under a new time-sortable key, with its content
// type, its client's name and its SHA-256 (once per Idempotency-Key, see dropOnce).
func (s *Service) Drop(ctx context.Context, req ports.DropRequest) (ports.DropResult, error) {
	var res ports.DropResult
	if _, err := bearer(req.Header, s.cfg.CDNHeader, EUnauthorizedCDN, s.cfg.CDNTokens); err != nil {
		return res, err
	}
	client, err := bearer(req.Header, AuthHeader, EUnauthorizedAuth, s.cfg.AuthTokens)
	if err != nil {
		return res, err
	}
	res.Client = client.Name
	if req.Method != "POST" {
		return res, Errorf(EMethod, "Only POST is supported")
	}
	if err := s.checkLength(req.Header); err != nil {
		return res, err
	}
	ct, err := mediaType(req.Header)
	if err != nil {
		return res, err
	}
	if req.Body == nil {
		return res, Errorf(ENoBody, "There must be a request body")
	}
	if req.Admission != nil {
		done, err := req.Admission.Admit(ctx, s.clientID(client))
		if err != nil {
			return res, err
		}
		defer done()
	}
	data, err := s.readBody(req.Body)
	if err != nil {
		return res, err
	}
	res.Size = len(data)
	sum := sha256.Sum256(data)
	if err := checkDigests(req.Header, data, sum); err != nil {
		return res, err
	}
	idemKey, idempotent, err := idempotencyKey(req.Header)
	if err != nil {
		return res, err
	}
	obj := ports.Object{Data: data, ContentType: ct, Client: client.Name, SHA256: sum}
	start := s.clock.Now()
	if idempotent {
		res.Key, res.Replayed, err = s.dropOnce(ctx, obj, client, idemKey)
	} else {
		res.Key, err = s.dropNew(ctx, obj)
	}
	res.StoreTried, res.StoreDuration = true, s.clock.Now().Sub(start)
	if err != nil {
		res.Key = ""
		return res, storageError(err, idempotent, s.cfg.IdempotencyTTL)
	}
	return res, nil
}

// readBody reads the payload, decoded, up to the limit: a body over it is ETooLarge, one
// that cannot be read EBadBody (unless its adapter said why).
func (s *Service) readBody(body ports.Body) ([]byte, error) {
	data, err := body.Read(s.cfg.MaxBytes)
	if err != nil {
		if ErrorCode(err) == EInternal {
			err = &Error{Code: EBadBody, Message: "The request body could not be read", Err: err}
		}
		return nil, err
	}
	if len(data) > s.cfg.MaxBytes {
		return nil, s.tooLarge()
	}
	return data, nil
}

// clientID returns the identity of an accepted token entry: its name, or for an unnamed one
// DefaultClient and its position in the list ("default#2"), so that every entry is told apart.
func (s *Service) clientID(c Credential) string {
	if c.Name != DefaultClient {
		return c.Name
	}
	for i, a := range s.cfg.AuthTokens {
		if a.Digest == c.Digest {
			return DefaultClient + "#" + strconv.Itoa(i+1)
		}
	}
	return DefaultClient
}

// dropNew stores obj under a new key, and returns the key.
func (s *Service) dropNew(ctx context.Context, obj ports.Object) (string, error) {
	key, _, err := s.newKey()
	if err != nil {
		return "", err
	}
	obj.Key = key
	// errFound here means the id source repeated an id: the object is another's, not stored.
	return key, s.writePayload(ctx, obj, false)
}

var (
	// errMaybeStored marks a failed write of the payload whose outcome is unknown.
	errMaybeStored = errors.New("the payload may be stored")
	// errFound marks a write of the payload that found its key taken before it.
	errFound = errors.New("the payload's key holds an object already")
)

// writePayload writes obj create-only at a key only this drop writes: a fresh one, or its
// record's (shared, with the requests of its Idempotency-Key). It returns nil when an attempt
// stored obj (a 412 after an attempt that may have written is that write, found), errFound
// when the key held another's object first, errMaybeStored when an attempt may have written
// and none settled it, else the error of a write that stored nothing. A 409 is tried again.
// docs/promises.md, "What each answer of S3 proves", says which answer proves what.
func (s *Service) writePayload(ctx context.Context, obj ports.Object, shared bool) error {
	maybe := false // some attempt may have written obj
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			if perr := pause(ctx, attempt); perr != nil {
				err = perr
				break
			}
		}
		err = s.store.Create(ctx, obj)
		maybe = maybe || errors.Is(err, ports.ErrUnknown)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, ports.ErrExists) && maybe:
			return nil
		case errors.Is(err, ports.ErrExists):
			return fmt.Errorf("%w: %w", errFound, err)
		case errors.Is(err, ports.ErrConcurrent):
			maybe = maybe || !shared
			continue
		}
		break
	}
	if maybe {
		return fmt.Errorf("%w: %w", errMaybeStored, err)
	}
	return err
}

// storageError returns the error of a drop whose storage failed. A refusal of the core keeps
// its code. A write of the payload whose answer was lost is EStorageUnknown: the payload may
// be stored, and only a retry with the same Idempotency-Key is sure not to store it twice.
// Anything else is EStorage: this request stored no payload. (With an Idempotency-Key, an
// earlier attempt may have; a retry with the key within ttl completes or replays it.)
func storageError(err error, idempotent bool, ttl time.Duration) error {
	var e *Error
	switch {
	case errors.As(err, &e):
		return err
	case errors.Is(err, errMaybeStored) && idempotent:
		return &Error{Code: EStorageUnknown, Err: err,
			Message: "The payload may or may not have been stored: storage gave no definite answer. Retry with the same Idempotency-Key within " + shortDuration(ttl) + ": it stores the payload exactly once"}
	case errors.Is(err, errMaybeStored):
		return &Error{Code: EStorageUnknown, Err: err,
			Message: "The payload may or may not have been stored: storage gave no definite answer. A retry may store it twice; send an Idempotency-Key header to make retries safe"}
	case idempotent:
		return &Error{Code: EStorage, Err: err,
			Message: "The payload was not stored by this request: storage is unavailable. Please retry later with the same Idempotency-Key, within " + shortDuration(ttl)}
	}
	return &Error{Code: EStorage, Err: err,
		Message: "The payload was not stored: storage is unavailable. Please retry later"}
}

// checkLength applies the content-length rules: required, a non-negative decimal integer, and
// no more than the limit.
func (s *Service) checkLength(h ports.Header) error {
	v, ok := h.Get("content-length")
	if !ok {
		return Errorf(ELengthRequired, "The content-length header must be present")
	}
	v = strings.TrimSpace(v)
	if v == "" || strings.TrimLeft(v, "0123456789") != "" {
		return Errorf(EBadLength, "The content-length header must be a non-negative decimal integer")
	}
	n, err := strconv.ParseUint(v, 10, 63)
	if err != nil || n > uint64(s.cfg.MaxBytes) { // only overflow fails ParseUint here: too large too
		return s.tooLarge()
	}
	return nil
}

func (s *Service) tooLarge() error {
	return Errorf(ETooLarge, "The request body must be at most %d bytes", s.cfg.MaxBytes)
}

// shortDuration returns d as time.Duration.String does, without its zero minutes and
// seconds: 24h, 5m, 1h30m.
func shortDuration(d time.Duration) string {
	t := d.String()
	if strings.HasSuffix(t, "m0s") {
		t = t[:len(t)-2]
	}
	if strings.HasSuffix(t, "h0m") {
		t = t[:len(t)-2]
	}
	return t
}
