package deploy

import (
	"fmt"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/wiring"
)

// stackParams are the parameters of a stack deployed with the defaults in eu-west-1 (the
// tokens, which have none, are two token digests), then set.
func stackParams(t *testing.T, tmpl object, set map[string]any) map[string]any {
	t.Helper()
	p := deployParams(t, tmpl)
	for name, def := range get(t, tmpl, "Parameters").(object) {
		if v, ok := def.(object)["Default"]; ok {
			if _, set := p[name]; !set {
				p[name] = v
			}
		}
	}
	p["AuthToken"], p["CdnToken"] = domain.TokenDigest("a"), domain.TokenDigest("c")
	maps.Copy(p, set)
	return p
}

// subRef is a ${Name} in an Fn::Sub string.
var subRef = regexp.MustCompile(`\$\{([^}]+)\}`)

// functionEnv returns the function's environment in a stack with params, as CloudFormation
// resolves it: each condition evaluated, each Ref and ${} of a parameter replaced by its value,
// of a resource by its logical id in lower case (a stand-in).
func functionEnv(t *testing.T, tmpl object, params map[string]any) map[string]string {
	t.Helper()
	_, conds := madeWith(t, tmpl, params)
	vars := resolveIf(t, get(t, tmpl, "Resources", "Function", "Properties", "Environment", "Variables"), conds).(object)
	value := func(name string) string {
		if v, ok := params[name]; ok {
			return fmt.Sprint(v)
		}
		if _, ok := get(t, tmpl, "Resources").(object)[name]; ok {
			return strings.ToLower(name)
		}
		t.Fatalf("%s: neither a parameter given nor a resource", name)
		return ""
	}
	env := map[string]string{}
	for k, v := range vars {
		switch v := v.(type) {
		case string:
			env[k] = v
		case object:
			if name, ok := v["Ref"].(string); ok {
				env[k] = value(name)
				continue
			}
			if sub, ok := v["Fn::Sub"].(string); ok {
				env[k] = subRef.ReplaceAllStringFunc(sub, func(m string) string { return value(m[2 : len(m)-1]) })
				continue
			}
			t.Fatalf("%s = %v: a function not known to this test", k, v)
		default:
			t.Fatalf("%s = %v (%T): not known to this test", k, v, v)
		}
	}
	return env
}

// TestDropExpiryFollowsExpireAfterDays: the function's DROP_EXPIRY is ExpireAfterDays when
// the drops expire, empty when they are kept; every ExpireAfterDays the template accepts, the
// function accepts; and an Idempotency-Key holds the shorter of IdempotencyTtlDays and
// ExpireAfterDays, so that no record outlives its drop whatever the two are.
func TestDropExpiryFollowsExpireAfterDays(t *testing.T) {
	tmpl, _ := load(t)
	for _, expire := range []string{"0", "1", "2", "7", "30", "364", "365", "366", "3650", "99999"} {
		for _, ttl := range []string{"1", "2", "7", "365"} {
			t.Run(expire+"/"+ttl, func(t *testing.T) {
				if !allowed(t, tmpl, "ExpireAfterDays", expire) || !allowed(t, tmpl, "IdempotencyTtlDays", ttl) {
					t.Fatalf("ExpireAfterDays=%s IdempotencyTtlDays=%s: a sample this test means to be accepted", expire, ttl)
				}
				env := functionEnv(t, tmpl, stackParams(t, tmpl, map[string]any{"ExpireAfterDays": expire, "IdempotencyTtlDays": ttl, "KeyPrefix": "drops/"}))
				wantEnv := expire + "d"
				if expire == "0" {
					wantEnv = ""
				}
				if got, ok := env["DROP_EXPIRY"]; !ok || got != wantEnv {
					t.Errorf("DROP_EXPIRY = %q (set %v), want %q", got, ok, wantEnv)
				}
				for k, v := range env {
					t.Setenv(k, v)
				}
				cfg, err := wiring.LoadLambda()
				if err != nil {
					t.Fatalf("the function refuses the stack's environment: %v", err)
				}
				e, _ := strconv.Atoi(expire)
				d, _ := strconv.Atoi(ttl)
				if e > 0 {
					d = min(d, e)
				}
				if got, want := wiring.CoreConfig(cfg.CoreSettings).IdempotencyTTL, time.Duration(d)*24*time.Hour; got != want {
					t.Errorf("an Idempotency-Key holds %v, want %v", got, want)
				}
			})
		}
	}
}
