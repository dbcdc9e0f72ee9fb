package funcurl_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl"
	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl/funcurltest"
	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/mocks"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

func quiet() httpface.Recorder { return httpface.Recorder{Log: slog.New(slog.DiscardHandler)} }

// response turns a Function URL response into the table's terms.
func response(r events.LambdaFunctionURLResponse) facetest.Response {
	h := http.Header{}
	for k, v := range r.Headers {
		h.Set(k, v)
	}
	return facetest.Response{Status: r.StatusCode, Header: h, Body: r.Body}
}

// TestContract runs the shared behaviour table through the handler, each request carried by
// the realistic plain-text fixture with its method, auth headers, content-length and body
// replaced.
func TestContract(t *testing.T) { facetest.Run(t, adapter) }

// TestIdempotency runs the Idempotency-Key contract through the handler.
func TestIdempotency(t *testing.T) { facetest.RunIdempotency(t, adapter) }

// adapter sends the table's requests through the handler.
var adapter = facetest.Adapter{
	Events: true,
	Serve: func(t *testing.T, core ports.Dropper, rec httpface.Recorder, req facetest.Request) facetest.Response {
		ev := funcurltest.Event(t, "plain")
		ev.RequestContext.HTTP.Method = req.Method
		for _, k := range []string{"x-cdn-authorization", "authorization", "content-length", "content-type"} {
			delete(ev.Headers, k)
		}
		for k, v := range req.Header {
			ev.Headers[k] = v
		}
		ev.Body, ev.IsBase64Encoded = &req.Body, req.Base64
		if req.NoBody {
			ev.Body = nil
		}
		resp, err := funcurl.New(core, rec).Handle(context.Background(), ev)
		if err != nil {
			t.Fatalf("Handle returned an error: %v; it must always answer", err)
		}
		return response(resp)
	},
}

// TestFixtures sends each realistic event as Lambda delivers it (JSON decoded by the handler's
// own type) and checks the answer and what was stored.
func TestFixtures(t *testing.T) {
	binary := append([]byte{0, 1, 2, 0xfe, 0xff, 0x80, 0x7f, 0x0a, 0x0d, 0x00}, func() []byte {
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	}()...)
	tests := []struct {
		fixture string
		status  int
		body    string
		stored  []byte // nil: nothing stored
	}{
		{"plain", 202, "", []byte("hello, dropbox")},
		{"base64", 202, "", []byte(`{"sensor":"t-101","celsius":21.5}`)},
		{"binary", 202, "", binary},
		{"unicode", 202, "", []byte("Grüße aus Köln — 東京 🚀\n")},
		{"empty-body", 202, "", []byte{}},
		{"absent-body", 400, "There must be a request body", nil},
		{"bad-base64", 400, "The request body is marked as base64 but is not valid standard base64", nil},
		{"get", 405, "Only POST is supported", nil},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			store := memstore.New()
			core := facetest.Core(t, store)
			got, err := funcurl.New(core, quiet()).Handle(context.Background(), funcurltest.Event(t, tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			if got.StatusCode != tt.status || got.Body != tt.body {
				t.Errorf("got %d %q, want %d %q", got.StatusCode, got.Body, tt.status, tt.body)
			}
			keys := store.Keys()
			if tt.stored == nil {
				if len(keys) != 0 {
					t.Errorf("stored %d objects, want none", len(keys))
				}
				return
			}
			if len(keys) != 1 {
				t.Fatalf("stored %d objects, want 1", len(keys))
			}
			if o, _ := store.Get(context.Background(), keys[0]); !bytes.Equal(o.Data, tt.stored) {
				t.Errorf("stored %q, want %q", o.Data, tt.stored)
			}
		})
	}
}

// TestAbsentAndEmptyBodyDecode checks the one thing the SDK's event type cannot tell.
func TestAbsentAndEmptyBodyDecode(t *testing.T) {
	if ev := funcurltest.Event(t, "absent-body"); ev.Body != nil {
		t.Errorf("absent body decoded as %q, want nil", *ev.Body)
	}
	if ev := funcurltest.Event(t, "empty-body"); ev.Body == nil || *ev.Body != "" {
		t.Errorf("empty body decoded as %v, want a pointer to \"\"", ev.Body)
	}
	for _, s := range []string{`{"body":null}`, `{}`} {
		var r funcurl.Request
		if err := json.Unmarshal([]byte(s), &r); err != nil || r.Body != nil {
			t.Errorf("%s: Body = %v, err %v; want nil", s, r.Body, err)
		}
	}
}

// TestStorageFailure: the store fails, the client gets a 503 that says to retry, the cause is
// logged without secrets, and the handler serves the next request.
func TestStorageFailure(t *testing.T) {
	fail := true
	store := &mocks.ObjectStoreMock{CreateFunc: func(ctx context.Context, obj ports.Object) error {
		if fail {
			return errors.New("operation error S3: PutObject, https response error StatusCode: 503, api error SlowDown")
		}
		return nil
	}}
	core := facetest.Core(t, store)
	var logs bytes.Buffer
	h := funcurl.New(core, httpface.Recorder{Log: slog.New(slog.NewJSONHandler(&logs, nil))})
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-123"})

	got, err := h.Handle(ctx, funcurltest.Event(t, "plain"))
	if err != nil {
		t.Fatal(err)
	}
	if got.StatusCode != 503 || !strings.Contains(got.Body, "not stored") || !strings.Contains(got.Body, "retry") {
		t.Errorf("got %d %q, want 503 saying the payload was not stored and may be retried", got.StatusCode, got.Body)
	}
	line := logs.String()
	for _, want := range []string{`"request_id":"req-123"`, `"outcome":"not_stored"`, `"reason":"storage"`, `"status":503`, "SlowDown"} {
		if !strings.Contains(line, want) {
			t.Errorf("log %s lacks %s", line, want)
		}
	}
	for _, secret := range []string{facetest.CDNToken, facetest.AuthToken, "hello, dropbox"} {
		if strings.Contains(line, secret) {
			t.Errorf("log holds a secret or the payload: %s", line)
		}
	}

	fail = false
	if got, _ := h.Handle(ctx, funcurltest.Event(t, "plain")); got.StatusCode != 202 {
		t.Errorf("next request: status %d, want 202", got.StatusCode)
	}
}

// TestStoreDeadlineBeforeInvocationDeadline: storage is given up before Lambda's deadline so
// that the function can still answer.
func TestStoreDeadlineBeforeInvocationDeadline(t *testing.T) {
	var got time.Time
	store := &mocks.ObjectStoreMock{CreateFunc: func(ctx context.Context, obj ports.Object) error {
		got, _ = ctx.Deadline()
		return nil
	}}
	core := facetest.Core(t, store)
	deadline := time.Now().Add(3 * time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if _, err := funcurl.New(core, quiet()).Handle(ctx, funcurltest.Event(t, "plain")); err != nil {
		t.Fatal(err)
	}
	if want := deadline.Add(-funcurl.DefaultReserve); !got.Equal(want) {
		t.Errorf("store deadline = %v, want %v (the invocation's less %v)", got, want, funcurl.DefaultReserve)
	}
}

// TestBase64LineBreaks: base64 text broken into lines (CRLF every 76 characters, as MIME
// writes it, or after every character) decodes whole: a payload at the limit is stored
// whole, one a byte over is 413, and no prefix is ever stored.
func TestBase64LineBreaks(t *testing.T) {
	breakEvery := func(text string, n int) string {
		var b strings.Builder
		for i := 0; i < len(text); i += n {
			b.WriteString(text[i:min(i+n, len(text))])
			b.WriteString("\r\n")
		}
		return b.String()
	}
	limit := domain.DefaultMaxBytes
	for _, size := range []int{limit - 1, limit, limit + 1, 3 * limit} {
		payload := make([]byte, size)
		for i := range payload {
			payload[i] = byte(i * 7)
		}
		text := base64.StdEncoding.EncodeToString(payload)
		for _, every := range []int{76, 1} {
			t.Run(fmt.Sprintf("%d bytes, CRLF every %d", size, every), func(t *testing.T) {
				store := memstore.New()
				core := facetest.Core(t, store)
				ev := funcurltest.Event(t, "base64")
				body := breakEvery(text, every)
				ev.Body = &body
				ev.Headers["content-length"] = fmt.Sprint(size)
				delete(ev.Headers, "content-digest")
				got, _ := funcurl.New(core, quiet()).Handle(context.Background(), ev)
				keys := store.Keys()
				if size > limit {
					if got.StatusCode != 413 && got.StatusCode != 400 || len(keys) != 0 {
						t.Fatalf("got %d %q with %d objects; want 413 and nothing stored", got.StatusCode, got.Body, len(keys))
					}
					return
				}
				if got.StatusCode != 202 || len(keys) != 1 {
					t.Fatalf("got %d %q with %d objects; want 202 and one", got.StatusCode, got.Body, len(keys))
				}
				if o, _ := store.Get(context.Background(), keys[0]); !bytes.Equal(o.Data, payload) {
					t.Errorf("stored %d bytes, want the whole %d", len(o.Data), len(payload))
				}
			})
		}
	}
}
