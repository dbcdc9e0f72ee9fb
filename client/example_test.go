package client_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/adapters/system"
	"github.com/s3-dropbox/s3-dropbox/client"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/ports/droptest"
)

// A program that sends a payload with a key of its own (such as an invoice number) and tells
// a refusal from an unconfirmed delivery. Sending it again with the same key is a replay.
func Example() {
	// A dropbox on loopback, for the example; in production the URL is the stack's DropUrl.
	core, _ := domain.New(droptest.Config(droptest.CDNHeader), memstore.New(), system.Clock{}, system.UUIDs{})
	srv := httptest.NewServer(httpserver.NewHandler(core, httpface.NewRecorder(slog.New(slog.DiscardHandler), "")))
	defer srv.Close()

	c, err := client.New(srv.URL+"/v1/drop", droptest.AuthToken,
		client.WithHeader(droptest.CDNHeader, "Bearer "+droptest.CDNToken)) // CloudFront adds it in production
	if err != nil {
		fmt.Println(err)
		return
	}
	for range 2 {
		receipt, err := c.Send(context.Background(), []byte(`{"invoice":"2026-0042"}`),
			client.WithContentType("application/json"), client.WithIdempotencyKey("invoice-2026-0042"))
		var e *client.Error
		switch {
		case errors.As(err, &e) && e.Refused:
			fmt.Println("refused, fix it:", e.Message)
		case err != nil:
			fmt.Println("not confirmed, send it again later with the same key:", err)
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
