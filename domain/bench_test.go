package domain

import (
	"strconv"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/system"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// BenchmarkBearer is token verification: hash the presented token and compare it, in
// constant time, with every accepted one.
func BenchmarkBearer(b *testing.B) {
	for _, n := range []int{1, 4} {
		b.Run(strconv.Itoa(n)+"-tokens", func(b *testing.B) {
			creds := make([]Credential, n)
			for i := range creds {
				d, _ := ParseTokenDigest(TokenDigest("token-" + strconv.Itoa(i)))
				creds[i] = Credential{Name: "c" + strconv.Itoa(i), Digest: d}
			}
			client, _ := NewClientToken(nil)
			d, _ := ParseTokenDigest(TokenDigest(client))
			creds[n-1].Digest = d // the last one matches: every one is compared anyway
			h := porttest.Header{"authorization": "Bearer " + client}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bearer(h, "authorization", EUnauthorizedAuth, creds); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNewKey is key generation with the real clock and UUIDs.
func BenchmarkNewKey(b *testing.B) {
	s := &Service{clock: system.Clock{}, ids: system.UUIDs{}}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.newKey(); err != nil {
			b.Fatal(err)
		}
	}
}
