// Command create-token makes a token pair: the client token, which the client sends as
// "Authorization: Bearer <client>" (or the CDN sends in its header), and the token digest, the
// SHA-256 of it, which the service is configured with (AUTH_TOKEN, CDN_TOKEN). docs/tokens.md
// shows the output, which scripts may parse.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/s3-dropbox/s3-dropbox/domain"
)

func main() {
	if code := parse(os.Args[1:], os.Stderr); code >= 0 {
		os.Exit(code)
	}
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "create-token:", err)
		os.Exit(1)
	}
}

// parse reads the command line, which takes no argument but -h, and returns the exit status
// when the command should stop there (0 after -h, 2 for anything else), else -1.
func parse(args []string, stderr io.Writer) int {
	flags := flag.NewFlagSet("create-token", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprint(stderr, `Usage: create-token

Prints a new token pair, in the format of the original create_token.py:
  Client token (plain text):          <86 characters: what the client sends, "Authorization: Bearer <it>">
  Server token (hashed client token): <44 characters: base64 of its SHA-256, for AUTH_TOKEN or CDN_TOKEN>
The client token is 64 random bytes, URL-safe base64 without padding.
`)
	}
	switch err := flags.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		return 2
	case flags.NArg() > 0:
		fmt.Fprintln(stderr, "create-token takes no argument (-h for help)")
		return 2
	}
	return -1
}

func run(w io.Writer) error {
	client, err := domain.NewClientToken(nil)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "Client token (plain text):          %s\nServer token (hashed client token): %s\n",
		client, domain.TokenDigest(client))
	return err
}
