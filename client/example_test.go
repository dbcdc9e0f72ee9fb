package client_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/adapters/system"
	"github.com/s3-dropbox/s3-dropbox/client"
	"github.com/s3-dropbox/s3-dropbox/contract"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// dropbox serves a dropbox on loopback for the examples; in production the URL is the stack's
// DropUrl.
func dropbox() *httptest.Server {
	core, _ := domain.New(facetest.Config(facetest.CDNHeader), memstore.New(), system.Clock{}, system.UUIDs{}) // the example shows the real wiring
	return httptest.NewServer(httpserver.NewHandler(core, httpface.NewRecorder(slog.New(slog.DiscardHandler), "")))
}

// A program that sends a payload with a key of its own (such as an invoice number) and tells
// a refusal from an unknown outcome. Sending it again with the same key is a replay.
func Example() {
	srv := dropbox()
	defer srv.Close()

	c, err := client.New(srv.URL+"/v1/drop", facetest.AuthToken,
		client.WithHeader(facetest.CDNHeader, "Bearer "+facetest.CDNToken)) // CloudFront adds it in production
	if err != nil {
		fmt.Println(err)
		return
	}
	for range 2 {
		receipt, err := c.Send(context.Background(), []byte(`{"invoice":"2026-0042"}`),
			client.WithContentType("application/json"), client.WithIdempotencyKey("invoice-2026-0042"))
		var e *client.Error
		switch {
		case errors.As(err, &e) && e.Outcome == contract.Refused:
			fmt.Println("refused, fix it:", e.Message)
		case err != nil:
			fmt.Println("not stored, or may be: send it again later with the same key:", err)
		case receipt.Replayed:
			fmt.Println("already stored")
		default:
			fmt.Println("stored")
		}
	}
	// Output:
	// stored
	// already stored
}

// Options given to New hold for every payload: the CDN header (dev mode's; CloudFront adds it
// in production), how often and how long to try. A token is never sent over plain http to a
// host that is not this machine, unless WithPlainHTTP says so.
func ExampleNew() {
	_, err := client.New("http://dropbox.example.org/v1/drop", facetest.AuthToken)
	fmt.Println(err)

	c, err := client.New("http://127.0.0.1:8080/v1/drop", facetest.AuthToken,
		client.WithHeader("x-cdn-authorization", "Bearer "+facetest.CDNToken),
		client.WithAttempts(5), client.WithPayloadTimeout(time.Minute), client.WithMaxBytes(10240))
	fmt.Println(c != nil, err)
	// Output:
	// client: the URL is plain http:// to dropbox.example.org, not a loopback address: the token would cross the network in clear text
	// true <nil>
}

// A job that may be run again after a crash derives each payload's key from its bytes: the
// second run stores nothing twice.
func ExampleWithKeyFromContent() {
	srv := dropbox()
	defer srv.Close()
	c, _ := client.New(srv.URL+"/v1/drop", facetest.AuthToken, client.WithHeader(facetest.CDNHeader, "Bearer "+facetest.CDNToken))
	for run := 1; run <= 2; run++ {
		receipt, err := c.Send(context.Background(), []byte("report of 2026-12-01"), client.WithKeyFromContent(), client.WithContentType("text/plain"))
		fmt.Println("run", run, "replayed:", receipt.Replayed, "error:", err)
	}
	// Output:
	// run 1 replayed: false error: <nil>
	// run 2 replayed: true error: <nil>
}

// A payload over the client's limit is refused before anything is sent.
func ExampleError() {
	c, _ := client.New("https://dropbox.example.org/v1/drop", facetest.AuthToken, client.WithMaxBytes(10))
	_, err := c.Send(context.Background(), []byte("eleven byte"))
	var e *client.Error
	if errors.As(err, &e) && e.Outcome == contract.Refused {
		fmt.Println(e.Attempts, e.Message)
	}
	// Output:
	// 0 the payload is 11 bytes, over the limit of 10: not sent
}
