package wiring_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/mocks"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
	"github.com/s3-dropbox/s3-dropbox/wiring"
)

// TestDropExpiry: DROP_EXPIRY is read as IDEMPOTENCY_TTL is (a duration or whole days, at
// least 5m), up to 99999d (ExpireAfterDays' most), or unset or empty for drops kept for good;
// an Idempotency-Key holds the shorter of the two, which is what the core is given.
func TestDropExpiry(t *testing.T) {
	const unsetValue = "(unset)"
	tests := []struct {
		ttl, expiry string
		want        time.Duration
		shortened   bool
		err         string
	}{
		{"", unsetValue, 24 * time.Hour, false, ""},
		{"", "", 24 * time.Hour, false, ""},
		{"7d", unsetValue, 7 * 24 * time.Hour, false, ""},
		{"1d", "7d", 24 * time.Hour, false, ""},
		{"1d", "1d", 24 * time.Hour, false, ""},
		{"24h", "1d", 24 * time.Hour, false, ""},
		{"7d", "1d", 24 * time.Hour, true, ""},
		{"", "12h", 12 * time.Hour, true, ""},
		{"", "5m", 5 * time.Minute, true, ""},
		{"", "99999d", 24 * time.Hour, false, ""},
		{"365d", "3650d", 365 * 24 * time.Hour, false, ""},
		{"", "4m59s", 0, false, "DROP_EXPIRY: must be at least 5m, or empty"},
		{"", "0", 0, false, "DROP_EXPIRY: must be more than 0 and at most 99999d"},
		{"", "0d", 0, false, "DROP_EXPIRY: must be more than 0 and at most 99999d"},
		{"", "100000d", 0, false, "DROP_EXPIRY: must be more than 0 and at most 99999d"},
		{"", "2400000h", 0, false, "DROP_EXPIRY: must be more than 0 and at most 99999d"},
		{"", "-1h", 0, false, "DROP_EXPIRY: must be more than 0"},
		{"", "07d", 0, false, "DROP_EXPIRY: must be a duration such as 36h, or days such as 2d"},
		{"", "1.5d", 0, false, "DROP_EXPIRY: must be a duration such as 36h, or days such as 2d"},
		{"", "a week", 0, false, "DROP_EXPIRY: must be a duration such as 36h"},
	}
	for _, tt := range tests {
		t.Run(tt.ttl+" "+tt.expiry, func(t *testing.T) {
			setValid(t)
			if tt.ttl == "" {
				unset(t, "IDEMPOTENCY_TTL")
			} else {
				t.Setenv("IDEMPOTENCY_TTL", tt.ttl)
			}
			if tt.expiry == unsetValue {
				unset(t, "DROP_EXPIRY")
			} else {
				t.Setenv("DROP_EXPIRY", tt.expiry)
			}
			got, err := wiring.LoadLambda()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ttl, shortened := got.KeyTTL(); ttl != tt.want || shortened != tt.shortened {
				t.Errorf("KeyTTL() = %v, %v; want %v, %v", ttl, shortened, tt.want, tt.shortened)
			}
			if got := wiring.CoreConfig(got.CoreSettings).IdempotencyTTL; got != tt.want {
				t.Errorf("the core's IdempotencyTTL %v, want %v", got, tt.want)
			}
		})
	}
}

// TestKeyTTLWarned: the function says once, at warn, when DROP_EXPIRY shortens
// IDEMPOTENCY_TTL, with both and the TTL that holds; and says nothing when it does not.
func TestKeyTTLWarned(t *testing.T) {
	tests := []struct {
		expiry string
		warned bool
	}{
		{"1d", true},
		{"7d", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.expiry, func(t *testing.T) {
			setValid(t)
			t.Setenv("AWS_REGION", "eu-west-1")
			t.Setenv("S3_ENDPOINT_URL", "http://127.0.0.1:1")
			t.Setenv("IDEMPOTENCY_TTL", "7d")
			t.Setenv("DROP_EXPIRY", tt.expiry)
			var out strings.Builder
			if _, err := wiring.LambdaHandler(context.Background(), &out); err != nil {
				t.Fatal(err)
			}
			var warns []map[string]any
			lines := bufio.NewScanner(strings.NewReader(out.String()))
			for lines.Scan() {
				if n := strings.Count(lines.Text(), `"drop_expiry":`); n > 1 {
					t.Errorf("line %s gives drop_expiry %d times", lines.Text(), n)
				}
				var l map[string]any
				if err := json.Unmarshal(lines.Bytes(), &l); err != nil {
					t.Fatalf("log line %q: %v", lines.Text(), err)
				}
				if l["level"] == "WARN" {
					warns = append(warns, l)
				}
			}
			if got := len(warns) == 1; got != tt.warned || len(warns) > 1 {
				t.Fatalf("warnings %v, want one: %v\n%s", warns, tt.warned, out.String())
			}
			if !tt.warned {
				return
			}
			w := warns[0]
			if w["idempotency_ttl"] != "168h0m0s" || w["drop_expiry"] != "24h0m0s" || w["key_ttl"] != "24h0m0s" {
				t.Errorf("warning %v, want IDEMPOTENCY_TTL 168h, DROP_EXPIRY and the key's TTL 24h", w)
			}
			if msg, _ := w["msg"].(string); !strings.Contains(msg, "IDEMPOTENCY_TTL") || !strings.Contains(msg, "DROP_EXPIRY") {
				t.Errorf("warning %q does not name both variables", msg)
			}
		})
	}
}

// TestKeyTTLInMessages: the 503 and the 504 of a keyed drop tell the client to retry within
// the TTL that holds, DROP_EXPIRY's when it is the shorter.
func TestKeyTTLInMessages(t *testing.T) {
	lost := fmt.Errorf("injected: %w", ports.ErrUnknown)
	tests := []struct {
		name   string
		create func(context.Context, ports.Object) error
		code   string
	}{
		{"storage unavailable", func(context.Context, ports.Object) error { return fmt.Errorf("injected: refused") }, domain.EStorage},
		{"outcome unknown", func(_ context.Context, o ports.Object) error {
			if strings.HasPrefix(o.Key, domain.RecordPrefix) {
				return nil
			}
			return lost
		}, domain.EStorageUnknown},
	}
	for _, tt := range tests {
		for _, v := range []struct{ ttl, expiry, within string }{
			{"1d", "", "24h"},
			{"7d", "90m", "1h30m"},
			{"1h", "2d", "1h"},
		} {
			t.Run(tt.name+" "+v.ttl+" "+v.expiry, func(t *testing.T) {
				setValid(t)
				t.Setenv("IDEMPOTENCY_TTL", v.ttl)
				t.Setenv("DROP_EXPIRY", v.expiry)
				cfg, err := wiring.LoadLambda()
				if err != nil {
					t.Fatal(err)
				}
				core, err := wiring.Core(cfg.CoreSettings, &mocks.ObjectStoreMock{CreateFunc: tt.create})
				if err != nil {
					t.Fatal(err)
				}
				_, err = core.Drop(context.Background(), ports.DropRequest{Method: "POST", Body: porttest.Body("hello"), Header: porttest.Header{
					"x-cdn-authorization": "Bearer cdn-client",
					"authorization":       "Bearer auth-client",
					"content-length":      "5",
					"idempotency-key":     "order-42",
				}})
				msg := domain.ErrorMessage(err)
				_, after, _ := strings.Cut(msg, "within ")
				within, _, _ := strings.Cut(after, ":")
				if domain.ErrorCode(err) != tt.code || within != v.within {
					t.Errorf("%q (%s), want %s saying within %s", msg, domain.ErrorCode(err), tt.code, v.within)
				}
			})
		}
	}
}
