package domain_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/mocks"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

const (
	cdnClient  = "cdn-client-token"
	authClient = "auth-client-token"
)

func cred(name, client string) domain.Credential {
	d, err := domain.ParseTokenDigest(domain.TokenDigest(client))
	if err != nil {
		panic(err)
	}
	return domain.Credential{Name: name, Digest: d}
}

func config() domain.Config {
	return domain.Config{
		CDNHeader:  "X-Cdn-Authorization",
		CDNTokens:  []domain.Credential{cred("cdn", cdnClient)},
		AuthTokens: []domain.Credential{cred(domain.DefaultClient, authClient)},
	}
}

func validHeader() porttest.Header {
	return porttest.Header{
		"x-cdn-authorization": "Bearer " + cdnClient,
		"authorization":       "Bearer " + authClient,
		"content-length":      "5",
	}
}

var fixedTime = time.Date(2026, 11, 28, 21, 14, 7, 0, time.FixedZone("CET", 3600))

// deps returns mocks that succeed, recording what they were asked.
func deps() (*mocks.ObjectStoreMock, *mocks.ClockMock, *mocks.IDSourceMock) {
	return &mocks.ObjectStoreMock{CreateFunc: func(context.Context, ports.Object) error { return nil }},
		&mocks.ClockMock{NowFunc: func() time.Time { return fixedTime }},
		&mocks.IDSourceMock{NewIDFunc: func() (string, error) { return "5f0c6a0e-8d3b-4b8e-9a41-2c7d9e1f3a5b", nil }}
}

func body(data string) *mocks.BodyMock {
	return &mocks.BodyMock{ReadFunc: func(max int) ([]byte, error) {
		return []byte(data[:min(len(data), max+1)]), nil
	}}
}

func newService(t *testing.T, store ports.ObjectStore, clock ports.Clock, ids ports.IDSource) *domain.Service {
	t.Helper()
	s, err := domain.New(config(), store, clock, ids)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestKeyFromClockAndIDSource: the key is the clock's time in UTC with six fraction digits,
// then the id; the payload is stored unchanged.
func TestKeyFromClockAndIDSource(t *testing.T) {
	store, clock, ids := deps()
	s := newService(t, store, clock, ids)
	got, err := s.Drop(context.Background(), ports.DropRequest{Method: "POST", Header: validHeader(), Body: body("hello")})
	if err != nil {
		t.Fatal(err)
	}
	const wantKey = "2026-11-28T20:14:07.000000-5f0c6a0e-8d3b-4b8e-9a41-2c7d9e1f3a5b"
	if got.Key != wantKey || got.Size != 5 {
		t.Errorf("Drop = %+v, want key %s, size 5", got, wantKey)
	}
	calls := store.CreateCalls()
	if len(calls) != 1 || calls[0].Obj.Key != wantKey || string(calls[0].Obj.Data) != "hello" {
		t.Errorf("Create calls = %+v, want one of %q under %s", calls, "hello", wantKey)
	}
	// The clock is read for the key, and before and after the store for its duration.
	if len(clock.NowCalls()) != 3 || len(ids.NewIDCalls()) != 1 {
		t.Errorf("clock called %d times, ids %d times; want 3 and once", len(clock.NowCalls()), len(ids.NewIDCalls()))
	}
}

func TestKeyFormat(t *testing.T) {
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "2026-01-02T03:04:05.000000-id"},
		{time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC), "2026-01-02T03:04:05.123456-id"},
		{time.Date(2026, 1, 2, 3, 4, 5, 1000, time.FixedZone("", -5*3600)), "2026-01-02T08:04:05.000001-id"},
	}
	for _, tt := range tests {
		if got := domain.Key(tt.t, "id"); got != tt.want {
			t.Errorf("Key(%v) = %q, want %q", tt.t, got, tt.want)
		}
	}
}

// TestNothingStoredOnRefusal: when authorization or validation fails, the store, the clock and
// the id source are never called, and the body is not read before the checks that come first.
func TestNothingStoredOnRefusal(t *testing.T) {
	with := func(kv ...string) porttest.Header {
		h := validHeader()
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(h, kv[i])
			} else {
				h[kv[i]] = kv[i+1]
			}
		}
		return h
	}
	tests := []struct {
		name     string
		method   string
		header   porttest.Header
		body     ports.Body
		wantCode string
		readBody bool
	}{
		{"no CDN header", "POST", with("x-cdn-authorization", ""), body("hello"), domain.EUnauthorizedCDN, false},
		{"wrong CDN token", "POST", with("x-cdn-authorization", "Bearer "+authClient), body("hello"), domain.EUnauthorizedCDN, false},
		{"wrong auth token", "POST", with("authorization", "Bearer "+cdnClient), body("hello"), domain.EUnauthorizedAuth, false},
		{"not POST", "PUT", validHeader(), body("hello"), domain.EMethod, false},
		{"no content-length", "POST", with("content-length", ""), body("hello"), domain.ELengthRequired, false},
		{"bad content-length", "POST", with("content-length", "5x"), body("hello"), domain.EBadLength, false},
		{"content-length over", "POST", with("content-length", "10241"), body("hello"), domain.ETooLarge, false},
		{"no body", "POST", validHeader(), nil, domain.ENoBody, false},
		{"body over", "POST", validHeader(), body(strings.Repeat("x", 10241)), domain.ETooLarge, true},
		{"body unreadable", "POST", validHeader(), &mocks.BodyMock{ReadFunc: func(int) ([]byte, error) { return nil, errors.New("connection reset") }}, domain.EBadBody, true},
		{"body undecodable", "POST", validHeader(), &mocks.BodyMock{ReadFunc: func(int) ([]byte, error) { return nil, domain.Errorf(domain.EBadBase64, "bad") }}, domain.EBadBase64, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, clock, ids := deps()
			s := newService(t, store, clock, ids)
			_, err := s.Drop(context.Background(), ports.DropRequest{Method: tt.method, Header: tt.header, Body: tt.body})
			if got := domain.ErrorCode(err); got != tt.wantCode {
				t.Errorf("code = %q, want %q (%v)", got, tt.wantCode, err)
			}
			if n := len(store.CreateCalls()) + len(clock.NowCalls()) + len(ids.NewIDCalls()); n != 0 {
				t.Errorf("store, clock or ids called %d times, want none", n)
			}
			if m, ok := tt.body.(*mocks.BodyMock); ok && (len(m.ReadCalls()) > 0) != tt.readBody {
				t.Errorf("body read %d times, want read: %v", len(m.ReadCalls()), tt.readBody)
			}
		})
	}
}

// TestBodyReadWithLimit: the body is asked for at most the limit (plus one byte to see excess).
func TestBodyReadWithLimit(t *testing.T) {
	store, clock, ids := deps()
	cfg := config()
	cfg.MaxBytes = 100
	s, err := domain.New(cfg, store, clock, ids)
	if err != nil {
		t.Fatal(err)
	}
	b := body("hello")
	if _, err := s.Drop(context.Background(), ports.DropRequest{Method: "POST", Header: validHeader(), Body: b}); err != nil {
		t.Fatal(err)
	}
	if calls := b.ReadCalls(); len(calls) != 1 || calls[0].Max != 100 {
		t.Errorf("Read calls = %+v, want one with max 100", calls)
	}
}

// TestResultReportsClientAndStoreTime: the accepted credential's name and the time the
// store took are in the result, for the log line and the metrics.
func TestResultReportsClientAndStoreTime(t *testing.T) {
	store, _, ids := deps()
	clock := porttest.NewClock(fixedTime)
	store.CreateFunc = func(context.Context, ports.Object) error { clock.Advance(2 * time.Millisecond); return nil }
	cfg := config()
	cfg.AuthTokens = []domain.Credential{cred("alice", "alice-token"), cred("bob", authClient)}
	s, err := domain.New(cfg, store, clock, ids)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Drop(context.Background(), ports.DropRequest{Method: "POST", Header: validHeader(), Body: body("hello")})
	if err != nil {
		t.Fatal(err)
	}
	if got.Client != "bob" || !got.StoreTried || got.StoreDuration != 2*time.Millisecond {
		t.Errorf("result %+v, want client bob and the store's 2ms", got)
	}
	// A refusal after authorization still names the client; nothing was stored or timed.
	got, _ = s.Drop(context.Background(), ports.DropRequest{Method: "GET", Header: validHeader()})
	if got.Client != "bob" || got.Key != "" || got.StoreTried || got.StoreDuration != 0 {
		t.Errorf("refused result %+v, want client bob, no key, no store time", got)
	}
}

// TestStorageErrors: without an Idempotency-Key, each outcome of the store's write becomes
// the answer that tells the truth about the payload: a definite failure is a 503 saying it was
// not stored and may be retried; a lost answer a 504 saying it may be stored (never "not
// stored"); a 412 after a lost answer of the same call is the call's own write, so a 202; a key
// that was taken before the write (the id source repeated an id) a 503, nothing stored. The
// cause is kept for the log, never in the message.
func TestStorageErrors(t *testing.T) {
	cause := errors.New("dial tcp 127.0.0.1:9: connection refused")
	tests := []struct {
		name     string
		err      error
		acts     bool   // the store writes the object before it answers err
		wantCode string // "" for a 202
		wantMsg  []string
	}{
		{"definite failure", cause, false, domain.EStorage, []string{"not stored", "retry"}},
		{"answer lost", fmt.Errorf("reset: %w: %w", ports.ErrUnknown, cause), true, domain.EStorageUnknown, []string{"may or may not", "Idempotency-Key"}},
		{"answer lost, then 412", fmt.Errorf("%w after a lost answer (%w): %w", ports.ErrExists, ports.ErrUnknown, cause), true, "", nil},
		{"key taken before", fmt.Errorf("%w: %w", ports.ErrExists, cause), false, domain.EStorage, []string{"not stored"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memstore.New()
			store, clock, ids := deps()
			store.CreateFunc = func(ctx context.Context, obj ports.Object) error {
				if tt.acts {
					mem.Create(ctx, obj)
				}
				return tt.err
			}
			s := newService(t, store, clock, ids)
			res, err := s.Drop(context.Background(), ports.DropRequest{Method: "POST", Header: validHeader(), Body: body("hello")})
			if got := domain.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("err = %v (code %q), want code %q", err, got, tt.wantCode)
			}
			if err == nil && (res.Key == "" || len(mem.Keys()) != 1) {
				t.Errorf("202 with key %q and %d objects, want the key of the one stored", res.Key, len(mem.Keys()))
			}
			if err != nil && !errors.Is(err, cause) {
				t.Errorf("err = %v, want it to wrap the cause", err)
			}
			msg := domain.ErrorMessage(err)
			for _, w := range tt.wantMsg {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q: want %q in it", msg, w)
				}
			}
			if tt.acts && strings.Contains(msg, "not stored") {
				t.Errorf("message %q says not stored, but the object is stored", msg)
			}
			if strings.Contains(msg, "127.0.0.1") {
				t.Errorf("message %q holds an internal detail", msg)
			}
		})
	}
}

// TestOutcomeAcrossAttempts: what one attempt proved is kept across the core's own retries of
// the payload's write (after a 409): a 412 after an attempt that may have written is that
// attempt's write (202, once); attempts that never resolve are a 504, never "not stored".
func TestOutcomeAcrossAttempts(t *testing.T) {
	conflict := fmt.Errorf("409: %w", ports.ErrConcurrent)
	lostThenConflict := fmt.Errorf("409 after a lost answer: %w: %w", ports.ErrConcurrent, ports.ErrUnknown)
	lost := fmt.Errorf("reset: %w", ports.ErrUnknown)
	refused := errors.New("503 SlowDown")
	type answer struct {
		err  error // nil: the store acts as itself
		acts bool  // an earlier attempt's write lands before this answer
	}
	tests := []struct {
		name     string
		answers  []answer // then the store acts as itself
		wantCode string
		stored   int
	}{
		{"lost, then 409, then 412", []answer{{lostThenConflict, true}}, "", 1},
		{"409 while the write lands, then 412", []answer{{conflict, true}}, "", 1},
		{"409, then stored", []answer{{conflict, false}}, "", 1},
		{"409 every time", []answer{{conflict, false}, {conflict, false}, {conflict, false}, {conflict, false}, {conflict, false}, {conflict, false}, {conflict, false}, {conflict, false}}, domain.EStorageUnknown, 0},
		{"409, then refused", []answer{{conflict, false}, {refused, false}}, domain.EStorageUnknown, 0},
		{"409, then lost, written", []answer{{conflict, false}, {lost, true}}, domain.EStorageUnknown, 1},
		{"refused", []answer{{refused, false}}, domain.EStorage, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { // the core pauses between attempts: bubbled time
				mem := memstore.New()
				store, clock, ids := deps()
				n := 0
				store.CreateFunc = func(ctx context.Context, obj ports.Object) error {
					if n >= len(tt.answers) {
						return mem.Create(ctx, obj)
					}
					a := tt.answers[n]
					n++
					if a.acts {
						mem.Create(ctx, obj)
					}
					return a.err
				}
				s := newService(t, store, clock, ids)
				_, err := s.Drop(context.Background(), ports.DropRequest{Method: "POST", Header: validHeader(), Body: body("hello")})
				if got := domain.ErrorCode(err); got != tt.wantCode {
					t.Errorf("err = %v (code %q), want code %q", err, got, tt.wantCode)
				}
				if got := len(mem.Keys()); got != tt.stored {
					t.Errorf("%d objects stored, want %d", got, tt.stored)
				}
			})
		})
	}
}

// TestIDSourceError: no id, no key, nothing stored, a 5xx-class error.
func TestIDSourceError(t *testing.T) {
	store, clock, ids := deps()
	ids.NewIDFunc = func() (string, error) { return "", errors.New("entropy exhausted") }
	s := newService(t, store, clock, ids)
	_, err := s.Drop(context.Background(), ports.DropRequest{Method: "POST", Header: validHeader(), Body: body("hello")})
	if domain.ErrorCode(err) != domain.EInternal || len(store.CreateCalls()) != 0 {
		t.Errorf("err = %v, Create calls %d; want EInternal and no Create", err, len(store.CreateCalls()))
	}
}

// TestAnyOfSeveralTokens: with several accepted tokens, each is accepted, others refused.
func TestAnyOfSeveralTokens(t *testing.T) {
	store, clock, ids := deps()
	cfg := config()
	cfg.AuthTokens = []domain.Credential{cred("old", "old-token"), cred("new", "new-token")}
	s, err := domain.New(cfg, store, clock, ids)
	if err != nil {
		t.Fatal(err)
	}
	for token, wantOK := range map[string]bool{"old-token": true, "new-token": true, "other-token": false} {
		h := validHeader()
		h["authorization"] = "Bearer " + token
		_, err := s.Drop(context.Background(), ports.DropRequest{Method: "POST", Header: h, Body: body("hello")})
		if (err == nil) != wantOK {
			t.Errorf("token %s: err %v, want accepted %v", token, err, wantOK)
		}
	}
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	store, clock, ids := deps()
	tests := []struct {
		name string
		edit func(*domain.Config)
	}{
		{"no CDN header", func(c *domain.Config) { c.CDNHeader = "" }},
		{"no CDN tokens", func(c *domain.Config) { c.CDNTokens = nil }},
		{"no auth tokens", func(c *domain.Config) { c.AuthTokens = nil }},
		{"negative limit", func(c *domain.Config) { c.MaxBytes = -1 }},
		{"CDN header the contract reads", func(c *domain.Config) { c.CDNHeader = "Idempotency-Key" }},
		{"CDN header not a field name", func(c *domain.Config) { c.CDNHeader = "x cdn" }},
		{"hidden key prefix", func(c *domain.Config) { c.KeyPrefix = ".drops/" }},
		{"negative idempotency TTL", func(c *domain.Config) { c.IdempotencyTTL = -time.Hour }},
		{"one token for both layers", func(c *domain.Config) { c.CDNTokens = append(c.CDNTokens, c.AuthTokens[0]) }},
		{"a token twice", func(c *domain.Config) { c.AuthTokens = append(c.AuthTokens, cred("other", authClient)) }},
		{"a name twice", func(c *domain.Config) {
			c.AuthTokens = []domain.Credential{cred("alice", "a"), cred("alice", "b")}
		}},
		{"a malformed client name", func(c *domain.Config) { c.AuthTokens[0].Name = "Alice" }},
	}
	for _, tt := range tests {
		cfg := config()
		tt.edit(&cfg)
		if _, err := domain.New(cfg, store, clock, ids); err == nil {
			t.Errorf("%s: New succeeded, want an error", tt.name)
		}
	}
	if _, err := domain.New(config(), nil, clock, ids); err == nil {
		t.Error("New without a store succeeded, want an error")
	}
	// A transport's own limits are not the domain's: a limit beyond the Function URL's 6 MiB
	// is the server's to allow.
	cfg := config()
	cfg.MaxBytes = 64 << 20
	if _, err := domain.New(cfg, store, clock, ids); err != nil {
		t.Errorf("New with a 64 MiB limit: %v, want it accepted", err)
	}
}

// TestStorageErrorsSayTheTTL: with an Idempotency-Key, a 504 and a 503 tell the client how
// long a retry with the key stays safe: the TTL, after which a retry is a new drop.
func TestStorageErrorsSayTheTTL(t *testing.T) {
	cause := errors.New("injected")
	tests := []struct {
		ttl      time.Duration
		err      error // the payload's write
		wantCode string
		wantMsg  string
	}{
		{0, fmt.Errorf("%w: %w", ports.ErrUnknown, cause), domain.EStorageUnknown, "Retry with the same Idempotency-Key within 24h: it stores the payload exactly once"},
		{5 * time.Minute, fmt.Errorf("%w: %w", ports.ErrUnknown, cause), domain.EStorageUnknown, "within 5m:"},
		{90 * time.Minute, cause, domain.EStorage, "Please retry later with the same Idempotency-Key, within 1h30m"},
		{36 * time.Hour, cause, domain.EStorage, "within 36h"},
	}
	for _, tt := range tests {
		mem := memstore.New()
		store, clock, ids := deps()
		store.CreateFunc = func(ctx context.Context, obj ports.Object) error {
			if strings.HasPrefix(obj.Key, domain.RecordPrefix) {
				return mem.Create(ctx, obj)
			}
			return tt.err
		}
		store.GetFunc = mem.Get
		store.ReplaceFunc = mem.Replace
		cfg := config()
		cfg.IdempotencyTTL = tt.ttl
		s, err := domain.New(cfg, store, clock, ids)
		if err != nil {
			t.Fatal(err)
		}
		h := validHeader()
		h["idempotency-key"] = "k-1"
		_, err = s.Drop(context.Background(), ports.DropRequest{Method: "POST", Header: h, Body: body("hello")})
		if got, msg := domain.ErrorCode(err), domain.ErrorMessage(err); got != tt.wantCode || !strings.Contains(msg, tt.wantMsg) {
			t.Errorf("TTL %v: %q %q, want %q with %q", tt.ttl, got, msg, tt.wantCode, tt.wantMsg)
		}
	}
}
