package serve

import (
	"fmt"
	"io"
	"net"

	"github.com/s3-dropbox/s3-dropbox/wiring"
)

// Banner prints what a developer needs to try the dropbox in dev mode, listening on addr and
// taking drops on path: the tokens, a curl command and a sender command, each working as printed (the sender's from the
// project's folder). Listening on every address (0.0.0.0 or ::), the commands go to the
// loopback address of the same family, which the sender takes over plain http.
func Banner(w io.Writer, t wiring.DevTokens, addr net.Addr, path, where string) {
	url := "http://" + addr.String()
	if a, ok := addr.(*net.TCPAddr); ok && a.IP.IsUnspecified() {
		loop := net.IPv6loopback
		if a.IP.To4() != nil {
			loop = net.IPv4(127, 0, 0, 1)
		}
		url = "http://" + (&net.TCPAddr{IP: loop, Port: a.Port}).String()
	}
	url += path
	fmt.Fprintf(w, `
s3-dropbox dev mode: listening on %[6]s, storing drops in %[2]s
Tokens for this run only (new ones at every start):
  authorization:       Bearer %[3]s
  %[5]s: Bearer %[4]s
Drop a payload with curl:
  curl -i %[1]s -H 'authorization: Bearer %[3]s' -H '%[5]s: Bearer %[4]s' --data-binary 'hello, dropbox'
or with the sender (exactly once, retried), from the project's folder:
  echo 'hello, dropbox' | S3_DROPBOX_TOKEN=%[3]s go run ./cmd/s3-dropbox-send -url %[1]s -H '%[5]s: Bearer %[4]s' -

`, url, where, t.Auth, t.CDN, wiring.DevCDNHeader, "http://"+addr.String())
}
