package facetest

import (
	"io"
	"log/slog"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/httpface"
)

// RunIdempotency runs the Idempotency-Key contract through an inbound adapter: a retry is 202
// with Idempotent-Replayed: true and stores nothing new; the key with another payload is 422;
// a malformed key is 400.
func RunIdempotency(t *testing.T, a Adapter) {
	t.Helper()
	core, store := MemCore(t)
	rec := httpface.NewRecorder(slog.New(slog.NewJSONHandler(io.Discard, nil)), "")
	steps := []struct {
		name     string
		req      Request
		status   int
		replayed string
		message  string
		objects  int
	}{
		{"first", valid(text).with("idempotency-key", "order-1"), 202, "", "", 1},
		{"retry", valid(text).with("idempotency-key", "order-1"), 202, "true", "", 1},
		{"retry, quoted key", valid(text).with("idempotency-key", `"order-1"`), 202, "true", "", 1},
		{"other payload", valid("another payload").with("idempotency-key", "order-1"), 422, "",
			"The Idempotency-Key was already used for another payload: use a new key for a new payload", 1},
		{"other key", valid(text).with("idempotency-key", "order-2"), 202, "", "", 2},
		{"malformed key", valid(text).with("idempotency-key", "two words"), 400, "",
			"The Idempotency-Key header must be 1 to 255 visible ASCII characters", 2},
		{"no key", valid(text), 202, "", "", 3},
	}
	for _, s := range steps {
		got := a.Serve(t, core, rec, s.req)
		if got.Status != s.status || got.Header.Get("Idempotent-Replayed") != s.replayed {
			t.Errorf("%s: %d, Idempotent-Replayed %q; want %d, %q (body %q)", s.name, got.Status, got.Header.Get("Idempotent-Replayed"), s.status, s.replayed, got.Body)
		}
		if s.message != "" && got.Body != s.message {
			t.Errorf("%s: body %q, want %q", s.name, got.Body, s.message)
		}
		if n := len(Payloads(store)); n != s.objects {
			t.Errorf("%s: %d payloads, want %d", s.name, n, s.objects)
		}
	}
}
