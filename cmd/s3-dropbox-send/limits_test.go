package main

import (
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl"
	"github.com/s3-dropbox/s3-dropbox/client"
)

// TestLimitsAgree: the sender's absolute maximum is the service's (the client package keeps
// its own copy, so that a sender links nothing of the service).
func TestLimitsAgree(t *testing.T) {
	if got, want := client.MaxPayloadBytes, funcurl.MaxBodyLimit; got != want {
		t.Errorf("client.MaxPayloadBytes = %d, want funcurl.MaxBodyLimit %d", got, want)
	}
}
