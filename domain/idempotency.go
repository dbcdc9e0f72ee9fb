package domain

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// RecordPrefix is the key prefix of the idempotency records, at the bucket's root whatever
// KEY_PREFIX is; hidden, so that no key prefix can reach it (CheckKeyPrefix).
const RecordPrefix = ".idempotency/"

// IdempotencyHeader carries a client's key for a drop it may retry (IETF httpapi draft "The
// Idempotency-Key HTTP Header Field").
const IdempotencyHeader = "idempotency-key"

// DefaultIdempotencyTTL is how long an Idempotency-Key holds: after it, a retry is a new drop.
const DefaultIdempotencyTTL = 24 * time.Hour

// maxAttempts bounds the steps retried on write contention within one request.
const maxAttempts = 8

// record is what the core writes under RecordPrefix for an Idempotency-Key: which
// payload the key was first used for, and where that payload goes.
type record struct {
	Version int       `json:"v"`
	SHA256  string    `json:"sha256"` // standard base64 of the payload's SHA-256
	Key     string    `json:"key"`    // the payload's object key, chosen at the first attempt
	Created time.Time `json:"created"`
	Client  string    `json:"client"` // for people reading the bucket; the scope is the token
}

// idempotencyKey returns the request's Idempotency-Key, if it has one: 1 to 255 visible ASCII
// characters, bare or as a structured-field string ("…", as the draft writes it).
func idempotencyKey(h ports.Header) (string, bool, error) {
	v, ok := h.Get(IdempotencyHeader)
	if !ok {
		return "", false, nil
	}
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	if len(v) < 1 || len(v) > 255 || strings.IndexFunc(v, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
		return "", false, Errorf(EBadIdempotencyKey, "The Idempotency-Key header must be 1 to 255 visible ASCII characters")
	}
	return v, true, nil
}

// recordKey is where the record of a key lives. It is scoped to the token entry that made the
// request (two clients may use the same key), and hashed, so that no key a client chose, nor
// anything of its token, appears in the bucket.
func recordKey(cred Credential, key string) string {
	h := sha256.New()
	h.Write(cred.Digest[:])
	h.Write([]byte(key))
	return RecordPrefix + hex.EncodeToString(h.Sum(nil))
}

// dropOnce stores obj at most once per Idempotency-Key, however often and however
// concurrently the client retries, with two create-only writes and no database: claim the
// key with a record naming the payload's SHA-256 and an object key (1), or read the record
// that claims it (2), then write the payload create-only at the record's key (3). Why no
// failure between any two steps loses an accepted drop or stores it twice:
// docs/promises.md, "Why no failure loses a drop or stores it twice".
func (s *Service) dropOnce(ctx context.Context, obj ports.Object, cred Credential, key string) (objectKey string, replayed bool, err error) {
	rk := recordKey(cred, key)
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			if err := pause(ctx, attempt); err != nil {
				return "", false, err
			}
		}
		fresh, err := s.newRecord(obj, cred, rk)
		if err != nil {
			return "", false, err
		}

		// 1. Claim the key. A claim whose outcome is unknown is resolved by reading the record:
		// the claim's own, if it was written, else another's, or none (claim again).
		err = s.store.Create(ctx, fresh.Object)
		switch {
		case err == nil:
			return s.complete(ctx, obj, fresh.Record.Key)
		case errors.Is(err, ports.ErrConcurrent):
			continue
		case !errors.Is(err, ports.ErrExists) && !errors.Is(err, ports.ErrUnknown):
			return "", false, err
		}

		// 2. Read the claim.
		cur, err := s.store.Get(ctx, rk)
		switch {
		case errors.Is(err, ports.ErrNotFound): // removed meanwhile (expired): claim again
			continue
		case errors.Is(err, ports.ErrDenied):
			return "", false, &Error{Code: EStorageDenied, Message: deniedMessage, Err: err}
		case err != nil:
			return "", false, err
		}
		var rec record
		if json.Unmarshal(cur.Data, &rec) != nil || rec.Key == "" || s.clock.Now().Sub(rec.Created) > s.cfg.IdempotencyTTL {
			err := s.store.Replace(ctx, fresh.Object, cur.ETag)
			switch {
			case err == nil:
				return s.complete(ctx, obj, fresh.Record.Key)
			case errors.Is(err, ports.ErrVersion), errors.Is(err, ports.ErrNotFound), errors.Is(err, ports.ErrConcurrent), errors.Is(err, ports.ErrUnknown):
				continue // replaced or removed meanwhile, perhaps by this call's write whose answer was lost: read again
			default:
				return "", false, err
			}
		}
		if rec.SHA256 != base64.StdEncoding.EncodeToString(obj.SHA256[:]) {
			return "", false, Errorf(EIdempotencyReused,
				"The Idempotency-Key was already used for another payload: use a new key for a new payload")
		}

		// 3. Complete the drop, or find it complete.
		return s.complete(ctx, obj, rec.Key)
	}
	return "", false, errors.New("the idempotency record stayed contended")
}

// deniedMessage answers a retry whose record the store refused to read: a misconfiguration
// that a retry does not mend, said with what to grant.
const deniedMessage = "The payload was not stored by this request: the service may not read its idempotency records " +
	"(storage denied the read), so it cannot tell whether an earlier attempt with this Idempotency-Key stored the payload. " +
	"An earlier attempt may have. This is the service's misconfiguration, for its operators to fix: on S3 its role needs " +
	"s3:GetObject on " + RecordPrefix + "* and s3:ListBucket on the bucket (without s3:ListBucket, S3 answers a missing record 403, not 404), " +
	"and kms:Decrypt on the bucket's key if it encrypts with SSE-KMS (S3 answers a record it cannot decrypt 403 too)"

// claim is a record and the object that stores it.
type claim struct {
	ports.Object
	Record record
}

// newRecord returns a new record for obj, with a new object key, as the object to write at
// rk.
func (s *Service) newRecord(obj ports.Object, cred Credential, rk string) (claim, error) {
	key, now, err := s.newKey()
	if err != nil {
		return claim{}, err
	}
	rec := record{Version: 1, SHA256: base64.StdEncoding.EncodeToString(obj.SHA256[:]), Key: key, Created: now, Client: cred.Name}
	data, err := json.Marshal(rec)
	if err != nil {
		return claim{}, err
	}
	return claim{Object: ports.Object{Key: rk, Data: data, ContentType: "application/json", Client: cred.Name, SHA256: sha256.Sum256(data)}, Record: rec}, nil
}

// complete writes the payload create-only at the record's key: stored now, or found stored
// (a replay).
func (s *Service) complete(ctx context.Context, obj ports.Object, key string) (string, bool, error) {
	obj.Key = key
	switch err := s.writePayload(ctx, obj, true); {
	case errors.Is(err, errFound): // stored by an earlier attempt with this record
		return key, true, nil
	case err != nil:
		return "", false, err
	}
	return key, false, nil
}

// pause waits a short, growing, jittered while before a retried step, or until ctx ends.
func pause(ctx context.Context, attempt int) error {
	d := time.Duration(attempt) * 10 * time.Millisecond
	d += rand.N(d)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
