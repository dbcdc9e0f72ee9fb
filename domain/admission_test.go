package domain_test

import (
	"context"
	"errors"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// admitter records the clients it is asked to admit, and refuses with err.
type admitter struct {
	clients []string
	err     error
	done    int
}

func (a *admitter) Admit(_ context.Context, client string) (func(), error) {
	a.clients = append(a.clients, client)
	if a.err != nil {
		return nil, a.err
	}
	return func() { a.done++ }, nil
}

// TestAdmissionBeforeTheBody: the core asks the adapter's Admission, once authorized and
// before the body is read, with the token entry's identity (an unnamed entry's position
// told apart: "default#2"); a refusal is returned as it is, the body unread, nothing stored;
// an admitted drop's done is called once.
func TestAdmissionBeforeTheBody(t *testing.T) {
	cfg := config()
	other := cred(domain.DefaultClient, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345")
	cfg.AuthTokens = []domain.Credential{other, cfg.AuthTokens[0]}
	store, clock, ids := deps()
	s, err := domain.New(cfg, store, clock, ids)
	if err != nil {
		t.Fatal(err)
	}
	refusal := domain.Errorf(domain.ETooMany, "over its share")
	a := &admitter{err: refusal}
	b := body("hello")
	if _, err := s.Drop(context.Background(), ports.DropRequest{Method: "POST", Header: validHeader(), Body: b, Admission: a}); !errors.Is(err, refusal) {
		t.Errorf("refused: %v, want the admission's error", err)
	}
	if len(b.ReadCalls()) != 0 || len(store.CreateCalls()) != 0 {
		t.Errorf("refused: %d body reads, %d writes; want none", len(b.ReadCalls()), len(store.CreateCalls()))
	}
	a.err = nil
	if _, err := s.Drop(context.Background(), ports.DropRequest{Method: "POST", Header: validHeader(), Body: body("hello"), Admission: a}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"default#2", "default#2"}; len(a.clients) != 2 || a.clients[0] != want[0] || a.clients[1] != want[1] || a.done != 1 {
		t.Errorf("admitted %v, done %d; want %v, done once", a.clients, a.done, want)
	}
}
