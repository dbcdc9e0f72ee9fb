// Package facetest is the HTTP face's contract: one behaviour table (statuses, headers, log
// lines) run against every inbound adapter (the Function URL handler and the HTTP server) with
// the real core over a memory store, so that the adapters cannot drift from each other or from
// the contract. It also holds the fixtures the tests share: the tokens, a core over a store,
// and the payloads a store holds.
package facetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// The client tokens of the tests (the Function URL events of package funcurltest carry them), and the
// CDN header they travel in.
const (
	CDNHeader = "x-cdn-authorization"
	CDNToken  = "cdn-fixture-7Qm3VJ2xKp9LwR4tYz8NcB6hF1gD5sA0eU3iO7kT2yX9vQ4rM6nP8jH1bG5fC0dW3zL7aS2e"
	AuthToken = "auth-fixture-Zp4Rk8Wn2Xc6Vb1Mq9Lj3Hg7Fd5Sa0Tu8Yi4Oe2Pw6Ry1Ut9Iq3Ko7Ml5Nj2Bh8Vg4Cf6D"
)

// KeyPattern matches an object key without prefix or partition.
var KeyPattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// Credential returns the credential of a client token, as the settings make it.
func Credential(clientToken string) domain.Credential {
	d, err := domain.ParseTokenDigest(domain.TokenDigest(clientToken))
	if err != nil {
		panic(err)
	}
	return domain.Credential{Name: domain.DefaultClient, Digest: d}
}

// Config returns the core's configuration for the test tokens, with the CDN header named as
// given.
func Config(cdnHeader string) domain.Config {
	return domain.Config{
		CDNHeader:  cdnHeader,
		CDNTokens:  []domain.Credential{Credential(CDNToken)},
		AuthTokens: []domain.Credential{Credential(AuthToken)},
	}
}

// Request is one request of the table, in terms both adapters can send.
type Request struct {
	Method string
	Header map[string]string // lower-case names
	Body   string
	NoBody bool // the request carries no body at all: only a Function URL event can say so
	Base64 bool // Body is base64 text of the payload: only a Function URL event can say so
}

// EventOnly reports whether only a Function URL event can carry the request.
func (r Request) EventOnly() bool { return r.NoBody || r.Base64 || r.Method == "" }

// Response is what an adapter answered.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// Case is one row of the table.
type Case struct {
	Name          string
	CDNHeader     string // the CDN_TOKEN_HTTP_HEADER_NAME setting; CDNHeader when empty
	MaxBytes      int    // the MAX_BODY_BYTES setting; the default when 0
	KeyPrefix     string // the KEY_PREFIX setting
	DatePartition bool   // the KEY_DATE_PARTITION setting
	Req           Request
	Status        int
	Message       string  // the response body
	Stored        *string // the stored payload; nil: nothing may be stored
	ContentType   string  // the stored object's content type; application/octet-stream when empty
}

// Adapter sends a Request through one inbound adapter, made with a core and a recorder, and
// returns the response.
type Adapter struct {
	Events bool // the adapter takes Function URL events: run the event-only rows too
	Serve  func(t *testing.T, core ports.Dropper, rec httpface.Recorder, req Request) Response
}

// Namespace is the metrics namespace of the table's runs.
const Namespace = "S3DropboxTest"

// Run runs every row of the table through a, and checks each response, what was stored, and
// the request's log line.
func Run(t *testing.T, a Adapter) {
	t.Helper()
	for _, c := range Cases() {
		if c.Req.EventOnly() && !a.Events {
			continue // this adapter cannot express the request; the event adapter runs it
		}
		t.Run(c.Name, func(t *testing.T) {
			core, store := MemCore(t, func(cfg *domain.Config) {
				if c.CDNHeader != "" {
					cfg.CDNHeader = c.CDNHeader
				}
				cfg.MaxBytes, cfg.KeyPrefix, cfg.DatePartition = c.MaxBytes, c.KeyPrefix, c.DatePartition
			})
			var logs bytes.Buffer
			rec := httpface.NewRecorder(slog.New(slog.NewJSONHandler(&logs, nil)), Namespace)
			got := a.Serve(t, core, rec, c.Req)
			Check(t, c, got, store)
			CheckLog(t, c, logs.Bytes(), store)
		})
	}
}

// Check asserts that a response and a store's content are what the row wants.
func Check(t *testing.T, c Case, got Response, store *memstore.Store) {
	t.Helper()
	if got.Status != c.Status {
		t.Errorf("status = %d, want %d (body %q)", got.Status, c.Status, got.Body)
	}
	if got.Body != c.Message {
		t.Errorf("body = %q, want %q", got.Body, c.Message)
	}
	wantType := "text/plain; charset=utf-8"
	if c.Status == http.StatusAccepted {
		wantType = "text/plain"
	}
	if ct := got.Header.Get("Content-Type"); ct != wantType {
		t.Errorf("Content-Type = %q, want %q", ct, wantType)
	}
	if wa := got.Header.Get("Www-Authenticate"); (c.Status == http.StatusUnauthorized) != (wa == "Bearer") {
		t.Errorf("WWW-Authenticate = %q with status %d; want Bearer exactly on 401", wa, c.Status)
	}
	for _, tok := range []string{CDNToken, AuthToken} {
		for k, v := range got.Header {
			if strings.Contains(strings.Join(v, ","), tok) {
				t.Errorf("header %s echoes a token", k)
			}
		}
		if strings.Contains(got.Body, tok) {
			t.Errorf("body echoes a token")
		}
	}
	checkStored(t, c, store)
}

// checkStored fails the test unless store holds what c stores, under a key of the layout, with
// its attributes, or nothing when c stores nothing.
func checkStored(t *testing.T, c Case, store *memstore.Store) {
	t.Helper()
	keys := store.Keys()
	if c.Stored == nil {
		if len(keys) != 0 {
			t.Errorf("stored %d objects, want none", len(keys))
		}
		return
	}
	if len(keys) != 1 {
		t.Fatalf("stored %d objects, want 1", len(keys))
	}
	key, ok := strings.CutPrefix(keys[0], c.KeyPrefix)
	if !ok {
		t.Errorf("key %q does not start with the prefix %q", keys[0], c.KeyPrefix)
	}
	if c.DatePartition {
		var date string
		date, key, _ = strings.Cut(strings.TrimPrefix(key, "dt="), "/")
		if !strings.HasPrefix(key, date+"T") {
			t.Errorf("key %q: want dt=<the key's UTC date>/ after the prefix", keys[0])
		}
	}
	if !KeyPattern.MatchString(key) {
		t.Errorf("key %q does not end in the format YYYY-MM-DDTHH:MM:SS.ffffff-<uuid4>", keys[0])
	}
	obj, err := store.Get(context.Background(), keys[0])
	if err != nil {
		t.Fatal(err)
	}
	if string(obj.Data) != *c.Stored {
		t.Errorf("stored %d bytes %.40q, want %d bytes %.40q", len(obj.Data), obj.Data, len(*c.Stored), *c.Stored)
	}
	wantCT := c.ContentType
	if wantCT == "" {
		wantCT = "application/octet-stream"
	}
	if obj.ContentType != wantCT || obj.Client != domain.DefaultClient || obj.SHA256 != sha256.Sum256(obj.Data) {
		t.Errorf("stored with content type %q, client %q, SHA-256 %x; want %q, default, the data's", obj.ContentType, obj.Client, obj.SHA256, wantCT)
	}
}
