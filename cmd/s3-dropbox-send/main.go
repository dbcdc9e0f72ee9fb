// Command s3-dropbox-send sends files to an s3-dropbox, each stored exactly once: every
// payload carries its SHA-256 and an Idempotency-Key kept for all its attempts, and attempts
// that may succeed later are retried with backoff (package client), within -deadline. A
// file's key is derived from its name as given and its content, so that the same command run
// again stores nothing twice (within the key's TTL on the service, IDEMPOTENCY_TTL or
// DROP_EXPIRY if shorter, with the same token); standard input gets a new random key.
//
//	s3-dropbox-send [flags] FILE...        ("-" reads standard input)
//
// The token goes to the URL given and nowhere else: redirects are not followed, and plain
// http:// is refused unless the host is a loopback address (or -allow-plain-http). Each
// payload is read up to -max-bytes (6 MiB by default) and one byte more.
//
// Exit status, the worst payload's outcome (docs/api.md, "Outcomes"): 0 stored (or found
// stored), 1 refused, 3 not stored, 2 unknown (it may be stored), 64 a usage error.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], command{env: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr})
	stop()
	os.Exit(code)
}
