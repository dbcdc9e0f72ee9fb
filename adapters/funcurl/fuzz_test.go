package funcurl_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl"
	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl/funcurltest"
	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

var fixtures = []string{"plain", "base64", "binary", "unicode", "empty-body", "absent-body", "bad-base64", "get"}

// serve hands one event to a fresh handler over memstore and checks the invariants.
func serve(t *testing.T, req funcurl.Request) {
	t.Helper()
	store := memstore.New()
	core := facetest.Core(t, store)
	resp, err := funcurl.New(core, quiet()).Handle(context.Background(), req)
	if err != nil {
		t.Fatalf("Handle returned an error: %v", err)
	}
	values := func(name string) []string {
		var v []string
		for k, val := range req.Headers {
			if strings.EqualFold(k, name) {
				v = append(v, val)
			}
		}
		return v
	}
	facetest.CheckInvariants(t, values, resp.StatusCode, resp.Body, store)
}

// FuzzEvent: any event JSON the runtime could hand over.
func FuzzEvent(f *testing.F) {
	for _, name := range fixtures {
		f.Add(funcurltest.JSON(name))
	}
	f.Fuzz(func(t *testing.T, event []byte) {
		var req funcurl.Request
		if json.Unmarshal(event, &req) != nil {
			return // the runtime hands the handler valid JSON only
		}
		serve(t, req)
	})
}

// FuzzHeaders: the realistic plain-text event with the fields that matter replaced.
func FuzzHeaders(f *testing.F) {
	f.Add("Bearer "+facetest.CDNToken, "Bearer "+facetest.AuthToken, "POST", "5", "hello", false, true)
	f.Add("Bearer "+facetest.CDNToken, "Bearer  "+facetest.AuthToken+" ", "POST", "8", "aGVsbG8=", true, true)
	f.Add("Bearer "+facetest.CDNToken, "Bearer "+facetest.AuthToken, "POST", "0", "", true, false)
	f.Add("Bearer "+facetest.AuthToken, "Bearer "+facetest.CDNToken, "GET", "-1", "!!", true, true)
	f.Add("Bearer", "Basic x", "", "99999999999999999999", strings.Repeat("A", 10244), true, true)
	f.Fuzz(func(t *testing.T, cdn, auth, method, length, body string, base64, hasBody bool) {
		var req funcurl.Request
		if err := json.Unmarshal(funcurltest.JSON("plain"), &req); err != nil {
			t.Fatal(err)
		}
		req.Headers[facetest.CDNHeader] = cdn
		req.Headers["authorization"] = auth
		req.Headers["content-length"] = length
		req.RequestContext.HTTP.Method = method
		req.Body, req.IsBase64Encoded = &body, base64
		if !hasBody {
			req.Body = nil
		}
		serve(t, req)
	})
}
