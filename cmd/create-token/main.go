// Command create-token makes a token pair: the client token, which the client sends as
// "Authorization: Bearer <client>" (or the CDN sends in its header), and the server token, the
// SHA-256 of it, which the service is configured with (AUTH_TOKEN, CDN_TOKEN). The README
// shows the output, which scripts may parse.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/s3-dropbox/s3-dropbox/domain"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "create-token:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	client, err := domain.NewClientToken(nil)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "Client token (plain text):          %s\nServer token (hashed client token): %s\n",
		client, domain.ServerToken(client))
	return err
}
