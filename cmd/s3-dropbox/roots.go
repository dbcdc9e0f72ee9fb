package main

// The server carries its own CA roots, used when the system has none (as in its container
// image, which holds nothing but the binary), so that S3 over TLS works anywhere.
import _ "golang.org/x/crypto/x509roots/fallback"
