package serve

import (
	"fmt"
	"io"

	"github.com/s3-dropbox/s3-dropbox/wiring"
)

// Banner prints what a developer needs to try the dropbox in dev mode: the tokens, a curl
// command and a sender command, each working as printed (the sender's from the project's
// folder).
func Banner(w io.Writer, t wiring.DevTokens, url, where string) {
	fmt.Fprintf(w, `
s3-dropbox dev mode: listening on %[1]s, storing drops in %[2]s
Tokens for this run only (new ones at every start):
  authorization:       Bearer %[3]s
  %[5]s: Bearer %[4]s
Drop a payload with curl:
  curl -i %[1]s/v1/drop -H 'authorization: Bearer %[3]s' -H '%[5]s: Bearer %[4]s' --data-binary 'hello, dropbox'
or with the sender (exactly once, retried), from the project's folder:
  echo 'hello, dropbox' | S3_DROPBOX_TOKEN=%[3]s go run ./cmd/s3-dropbox-send -url %[1]s/v1/drop -H '%[5]s: Bearer %[4]s' -

`, url, where, t.Auth, t.CDN, wiring.DevCDNHeader)
}
