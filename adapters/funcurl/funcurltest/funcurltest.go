// Package funcurltest holds realistic Function URL events (payload format 2.0, as Lambda hands
// them to the function) for the tests of the Function URL adapter and of what is built on it.
// They carry the tests' tokens, facetest.CDNToken in x-cdn-authorization and facetest.AuthToken
// in authorization.
package funcurltest

import (
	"bytes"
	"embed"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl"
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

// Invoker returns a function that sends an event to the Lambda Runtime Interface Emulator
// listening on addr and returns the function's response.
func Invoker(t testing.TB, addr string) func(funcurl.Request) lambdaevents.LambdaFunctionURLResponse {
	client := &http.Client{Timeout: 60 * time.Second}
	return func(ev funcurl.Request) lambdaevents.LambdaFunctionURLResponse {
		t.Helper()
		body, _ := json.Marshal(ev)
		resp, err := client.Post("http://"+addr+"/2015-03-31/functions/function/invocations", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got lambdaevents.LambdaFunctionURLResponse
		b, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("emulator answered %s: %v", b, err)
		}
		return got
	}
}
