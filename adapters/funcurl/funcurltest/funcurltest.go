// Package funcurltest holds realistic Function URL events (payload format 2.0, as Lambda hands
// them to the function) for the tests of the Function URL adapter and of what is built on it.
package funcurltest

import (
	"embed"
	"encoding/json"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl"
)

// The client tokens the events carry: the CDN's in x-cdn-authorization, the client's in
// authorization.
const (
	CDNToken  = "cdn-fixture-7Qm3VJ2xKp9LwR4tYz8NcB6hF1gD5sA0eU3iO7kT2yX9vQ4rM6nP8jH1bG5fC0dW3zL7aS2e"
	AuthToken = "auth-fixture-Zp4Rk8Wn2Xc6Vb1Mq9Lj3Hg7Fd5Sa0Tu8Yi4Oe2Pw6Ry1Ut9Iq3Ko7Ml5Nj2Bh8Vg4Cf6D"
)

//go:embed testdata/events/*.json
var events embed.FS

// JSON returns the event testdata/events/<name>.json as Lambda sends it. It panics if there is
// none: the events are part of the source.
func JSON(name string) []byte {
	b, err := events.ReadFile("testdata/events/" + name + ".json")
	if err != nil {
		panic(err)
	}
	return b
}

// Event returns the event <name> decoded as the runtime decodes it for the handler.
func Event(t testing.TB, name string) funcurl.Request {
	t.Helper()
	var r funcurl.Request
	if err := json.Unmarshal(JSON(name), &r); err != nil {
		t.Fatalf("event %s: %v", name, err)
	}
	return r
}
