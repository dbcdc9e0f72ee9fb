package wiring_test

import (
	"strings"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/wiring"
)

func TestLimitAndLayout(t *testing.T) {
	setValid(t)
	for _, k := range []string{"MAX_BODY_BYTES", "KEY_PREFIX", "KEY_DATE_PARTITION"} {
		unset(t, k)
	}
	got, err := wiring.LoadLambda()
	if err != nil {
		t.Fatal(err)
	}
	if got.MaxBodyBytes != 10240 || got.KeyPrefix != "" || got.KeyDatePartition {
		t.Errorf("defaults %d %q %v, want the original's: 10240, no prefix, no partition", got.MaxBodyBytes, got.KeyPrefix, got.KeyDatePartition)
	}

	good := map[string]map[string]string{
		"largest limit":  {"MAX_BODY_BYTES": "6291456"},
		"longest folder": {"KEY_PREFIX": strings.Repeat("s", 255) + "/"},
		"longest string": {"KEY_PREFIX": "in/" + strings.Repeat("s", 192)},
		"folder prefix":  {"KEY_PREFIX": "drops/"},
		"nested prefix":  {"KEY_PREFIX": "team-a/in.box/"},
		"string prefix":  {"KEY_PREFIX": "drop-"},
		"date partition": {"KEY_DATE_PARTITION": "true"},
		"partition as 1": {"KEY_DATE_PARTITION": "1"},
	}
	for name, vars := range good {
		t.Run(name, func(t *testing.T) {
			setValid(t)
			for k, v := range vars {
				t.Setenv(k, v)
			}
			if _, err := wiring.LoadLambda(); err != nil {
				t.Errorf("%v: %v", vars, err)
			}
		})
	}
	bad := []struct{ key, value, want string }{
		{"MAX_BODY_BYTES", "0", "MAX_BODY_BYTES: must be 1 to 6291456"},
		{"MAX_BODY_BYTES", "6291457", "MAX_BODY_BYTES: must be 1 to 6291456"},
		{"MAX_BODY_BYTES", "10k", "MAX_BODY_BYTES: must be a whole number"},
		{"MAX_BODY_BYTES", "99999999999", "MAX_BODY_BYTES: must be a whole number"},
		{"KEY_PREFIX", "/drops/", "KEY_PREFIX: must not start with /"},
		{"KEY_PREFIX", "drops/../x/", "KEY_PREFIX: must not have a segment that starts with ."},
		{"KEY_PREFIX", "drops//x/", "KEY_PREFIX: must not have an empty segment"},
		{"KEY_PREFIX", "./", "KEY_PREFIX: must not have a segment that starts with ."},
		{"KEY_PREFIX", ".hidden/", "KEY_PREFIX: must not have a segment that starts with ."},
		{"KEY_PREFIX", ".idempotency/", "KEY_PREFIX: must not have a segment that starts with ."},
		{"KEY_PREFIX", "in/.drop-", "KEY_PREFIX: must not have a segment that starts with ."},
		{"KEY_PREFIX", strings.Repeat("s", 256) + "/", "KEY_PREFIX: must not have a segment longer than 255"},
		{"KEY_PREFIX", "in/" + strings.Repeat("s", 193), "KEY_PREFIX: must not end with a segment longer than 192"},
		{"MAX_BODY_BYTES", "010240", "MAX_BODY_BYTES: must be a whole number in decimal"},
		{"MAX_BODY_BYTES", "0x2800", "MAX_BODY_BYTES: must be a whole number in decimal"},
		{"MAX_BODY_BYTES", "0b11", "MAX_BODY_BYTES: must be a whole number in decimal"},
		{"MAX_BODY_BYTES", "+10240", "MAX_BODY_BYTES: must be a whole number in decimal"},
		{"MAX_BODY_BYTES", "1_024", "MAX_BODY_BYTES: must be a whole number in decimal"},
		{"KEY_PREFIX", "drops\\x", "KEY_PREFIX: must hold only"},
		{"KEY_PREFIX", "dröps/", "KEY_PREFIX: must hold only"},
		{"KEY_DATE_PARTITION", "yes please", "KEY_DATE_PARTITION: must be true or false"},
	}
	for _, tt := range bad {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			setValid(t)
			t.Setenv(tt.key, tt.value)
			_, err := wiring.LoadLambda()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
			if err != nil && len(tt.value) > 3 && strings.Contains(err.Error(), tt.value) {
				t.Errorf("error %q repeats the value", err)
			}
		})
	}
}

func TestIdempotencyTTL(t *testing.T) {
	tests := []struct {
		value string
		want  time.Duration
		err   string
	}{
		{"", 24 * time.Hour, ""},
		{"36h", 36 * time.Hour, ""},
		{"2d", 48 * time.Hour, ""},
		{"90m", 90 * time.Minute, ""},
		{"0s", 0, "IDEMPOTENCY_TTL: must be more than 0"},
		{"400d", 0, "IDEMPOTENCY_TTL: must be more than 0 and at most 365d"},
		{"213504d", 0, "IDEMPOTENCY_TTL: must be more than 0 and at most 365d"}, // overflows once multiplied
		{"9223372036854775807d", 0, "IDEMPOTENCY_TTL: must be"},
		{"-1d", 0, "IDEMPOTENCY_TTL: must be a duration such as 36h, or days such as 2d"},
		{"01d", 0, "IDEMPOTENCY_TTL: must be a duration such as 36h, or days such as 2d"},
		{"a day", 0, "IDEMPOTENCY_TTL: must be a duration such as 36h"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			setValid(t)
			if tt.value == "" {
				unset(t, "IDEMPOTENCY_TTL")
			} else {
				t.Setenv("IDEMPOTENCY_TTL", tt.value)
			}
			got, err := wiring.LoadLambda()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || time.Duration(got.IdempotencyTTL) != tt.want {
				t.Errorf("TTL %v, %v; want %v", time.Duration(got.IdempotencyTTL), err, tt.want)
			}
		})
	}
}
