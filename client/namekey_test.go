package client_test

import (
	"context"
	"crypto/sha256"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/client"
	"github.com/s3-dropbox/s3-dropbox/client/clienttest"
)

// TestKeyFromNameAndContent: the key is the same for the same name and bytes, and another for
// another name or other bytes; it holds neither; an explicit key wins over it, and it over the
// content's alone.
func TestKeyFromNameAndContent(t *testing.T) {
	url, _ := clienttest.Dropbox(t, 0)
	c := newClient(t, url, nil)
	send := func(payload string, opts ...client.SendOption) string {
		t.Helper()
		r, err := c.Send(context.Background(), []byte(payload), opts...)
		if err != nil {
			t.Fatal(err)
		}
		return r.IdempotencyKey
	}
	first := send("bee", client.WithKeyFromNameAndContent("b.txt"))
	tests := []struct {
		name string
		key  string
		same bool
	}{
		{"same name and bytes", send("bee", client.WithKeyFromNameAndContent("b.txt")), true},
		{"another name", send("bee", client.WithKeyFromNameAndContent("./b.txt")), false},
		{"other bytes", send("bee2", client.WithKeyFromNameAndContent("b.txt")), false},
		{"the content's alone", send("bee", client.WithKeyFromContent()), false},
		{"the content's alone given after", send("bee", client.WithKeyFromNameAndContent("b.txt"), client.WithKeyFromContent()), true},
		{"an explicit key wins", send("bee", client.WithKeyFromNameAndContent("b.txt"), client.WithIdempotencyKey("k-1")), false},
	}
	for _, tt := range tests {
		if (tt.key == first) != tt.same {
			t.Errorf("%s: key %s, first %s: want same %v", tt.name, tt.key, first, tt.same)
		}
	}
	if want := client.NameContentKey("b.txt", sha256.Sum256([]byte("bee"))); first != want {
		t.Errorf("key %s, want NameContentKey's %s", first, want)
	}
	if len(first) != len("name-sha256-")+64 {
		t.Errorf("key %s: want name-sha256- and 64 hex digits", first)
	}
}
