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
	"net"
	"net/http"
	"os/exec"
	"syscall"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
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

// invoker returns a function that sends an event to the Lambda Runtime Interface Emulator
// listening on addr and returns the function's response.
func invoker(t testing.TB, addr string) func(funcurl.Request) lambdaevents.LambdaFunctionURLResponse {
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

// Emulate starts the emulator running the runtime command with env, and returns a function
// that invokes it with a Function URL event. The emulator stops when the test ends.
func Emulate(t *testing.T, rie string, runtime, env []string) func(funcurl.Request) lambdaevents.LambdaFunctionURLResponse {
	t.Helper()
	addr, api := porttest.FreeAddr(t), porttest.FreeAddr(t)
	cmd := exec.Command(rie, append([]string{"--runtime-interface-emulator-address", addr, "--runtime-api-address", api}, runtime...)...)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		if t.Failed() {
			t.Logf("emulator output:\n%s", out.String())
		}
	})
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("emulator not listening after 20 s:\n%s", out.String())
		}
	}
	return invoker(t, addr)
}
