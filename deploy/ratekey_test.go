package deploy

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// wafTransform applies a WAF text transformation, as AWS WAF's developer guide describes it,
// to s; a type this test does not know fails it.
func wafTransform(t *testing.T, typ, s string) string {
	t.Helper()
	switch typ {
	case "NONE":
		return s
	case "COMPRESS_WHITE_SPACE":
		// \f \t \n \r \v and the no-break space become spaces, and runs of spaces one space.
		s = strings.Map(func(r rune) rune {
			if strings.ContainsRune("\f\t\n\r\v\u00a0", r) {
				return ' '
			}
			return r
		}, s)
		for strings.Contains(s, "  ") {
			s = strings.ReplaceAll(s, "  ", " ")
		}
		return s
	}
	t.Fatalf("text transformation %s: not known to this test", typ)
	return ""
}

// TestRateKeyOnePerToken: every authorization header value the service accepts for one token
// is one key of the per-client rate limit, so that a client cannot multiply its limit by
// spacing the header differently. The values arrive as HTTP delivers a field value, without
// surrounding spaces and tabs (RFC 9110, 5.5); the key is the value after the rule's text
// transformations.
func TestRateKeyOnePerToken(t *testing.T) {
	tmpl, _ := load(t)
	rule := rateRule(t, tmpl, 1, "rate-per-client")
	key := get(t, rule, "Statement", "RateBasedStatement", "CustomKeys", 0, "Header").(object)
	if !strings.EqualFold(key["Name"].(string), "authorization") {
		t.Fatalf("custom key %v: want the authorization header", key)
	}
	transforms := key["TextTransformations"].([]any)
	slices.SortFunc(transforms, func(a, b any) int {
		return int(a.(object)["Priority"].(float64) - b.(object)["Priority"].(float64))
	})

	core, _ := facetest.MemCore(t)
	accepted := func(value string) bool {
		_, err := core.Drop(context.Background(), ports.DropRequest{Method: "POST", Body: porttest.Body("x"), Header: porttest.Header{
			"authorization": value, facetest.CDNHeader: "Bearer " + facetest.CDNToken, "content-length": "1",
		}})
		return err == nil
	}
	pads := []string{"", " ", "  ", "\t", " \t ", "     ", "\v", "\f", "\r", "\u00a0", "\u2003", "\u3000", "\u0085"}
	keys := map[string][]string{}
	for _, before := range pads {
		for _, after := range pads {
			value := strings.Trim("Bearer "+before+facetest.AuthToken+after, " \t")
			if !accepted(value) {
				continue
			}
			k := value
			for _, tr := range transforms {
				k = wafTransform(t, tr.(object)["Type"].(string), k)
			}
			keys[k] = append(keys[k], value)
		}
	}
	if len(keys) != 1 {
		t.Errorf("the values the service accepts for one token are %d keys of the per-client limit, want 1: %q", len(keys), keys)
	}
}
