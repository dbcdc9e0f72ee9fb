package wiring

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestLoad: a variable set, even empty, is decoded; an unset one takes its default, else
// leaves its field; embedded structs hold settings; errors name the variable, never its
// value.
func TestLoad(t *testing.T) {
	type Inner struct {
		A string `envconfig:"T_A" default:"a"`
	}
	type spec struct {
		Inner
		B    bool    `envconfig:"T_B"`
		D    Decimal `envconfig:"T_D" default:"7"`
		S    string  `envconfig:"T_S" default:"s"`
		Kept string  `envconfig:"T_KEPT"`
	}
	for _, k := range []string{"T_A", "T_B", "T_D", "T_S", "T_KEPT"} {
		t.Setenv(k, "")
	}
	tests := []struct {
		name string
		env  map[string]string // "" keys are unset
		want spec
		err  string
	}{
		{"defaults", nil, spec{Inner: Inner{A: "a"}, D: 7, S: "s", Kept: "kept"}, ""},
		{"set", map[string]string{"T_A": "x", "T_B": "true", "T_D": "10240", "T_S": "y", "T_KEPT": "z"},
			spec{Inner: Inner{A: "x"}, B: true, D: 10240, S: "y", Kept: "z"}, ""},
		{"set empty wins over the default", map[string]string{"T_S": ""}, spec{Inner: Inner{A: "a"}, D: 7, Kept: "kept"}, ""},
		{"bool as 1", map[string]string{"T_B": "1"}, spec{Inner: Inner{A: "a"}, B: true, D: 7, S: "s", Kept: "kept"}, ""},
		{"bad bool", map[string]string{"T_B": "yes please"}, spec{}, "T_B: must be true or false"},
		{"empty bool", map[string]string{"T_B": ""}, spec{}, "T_B: must be true or false"},
		{"decoder's error", map[string]string{"T_D": "0x2800"}, spec{}, "T_D: must be a whole number in decimal"},
		{"empty decoded", map[string]string{"T_D": ""}, spec{}, "T_D: must be a whole number in decimal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"T_A", "T_B", "T_D", "T_S", "T_KEPT"} {
				unsetenv(t, k)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			got := spec{Kept: "kept"}
			err := load(&got)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("load: %v, want an error containing %q", err, tt.err)
				}
				for _, v := range tt.env {
					if len(v) > 3 && strings.Contains(err.Error(), v) {
						t.Errorf("error %q repeats the value", err)
					}
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("load = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

// TestUsageListsEverySetting: Usage names each variable the settings read, embedded ones in
// their place, with its default.
func TestUsageListsEverySetting(t *testing.T) {
	var b strings.Builder
	if err := Usage(&b, &Lambda{}); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, s := range settings(reflectType(&Lambda{})) {
		keys = append(keys, s.key)
	}
	want := "BUCKET AUTH_TOKEN CDN_TOKEN CDN_TOKEN_HTTP_HEADER_NAME S3_ENDPOINT_URL MAX_BODY_BYTES KEY_PREFIX KEY_DATE_PARTITION IDEMPOTENCY_TTL DROP_EXPIRY LOG_LEVEL METRICS_NAMESPACE DROP_PATH"
	if got := strings.Join(keys, " "); got != want {
		t.Errorf("settings of Lambda: %s, want %s", got, want)
	}
	for _, line := range []string{"  BUCKET\n", "  MAX_BODY_BYTES (default 10240)\n", "  METRICS_NAMESPACE (default S3Dropbox)\n"} {
		if !strings.Contains(b.String(), line) {
			t.Errorf("usage lacks %q:\n%s", line, b.String())
		}
	}
	if err := Usage(&b, Lambda{}); err == nil {
		t.Error("Usage of a struct value succeeded, want an error")
	}
}

// unsetenv removes an environment variable for the rest of the test, and restores it after.
func unsetenv(t *testing.T, key string) {
	t.Helper()
	t.Setenv(key, "") // registers the restore
	os.Unsetenv(key)
}

func reflectType(v any) reflect.Type { return reflect.TypeOf(v).Elem() }
