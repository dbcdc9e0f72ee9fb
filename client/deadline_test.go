package client_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/client"
	"github.com/s3-dropbox/s3-dropbox/contract"
)

// TestDeadline: when the next attempt could only start after the payload's deadline, Send
// stops at once and says so; it does not wait.
func TestDeadline(t *testing.T) {
	srv, seen := fake(t, [3]string{"503", "10", "not stored"})
	waits := &noWait{}
	_, err := newClient(t, srv.URL, waits, client.WithPayloadTimeout(time.Second)).Send(context.Background(), []byte("p"))
	var e *client.Error
	if !errors.As(err, &e) || e.Outcome != contract.NotStored || e.Attempts != 1 || !strings.Contains(e.Message, "after the deadline") {
		t.Errorf("%v: want not stored after one attempt (a 503), saying the deadline", err)
	}
	if len(waits.waits) != 0 || len(*seen) != 1 {
		t.Errorf("waits %v, %d request(s); want none and 1", waits.waits, len(*seen))
	}
}

// TestCancelled: a cancelled context stops the retries and says so, not "deadline".
func TestCancelled(t *testing.T) {
	srv, _ := fake(t, [3]string{"503", "1", ""})
	ctx, cancel := context.WithCancel(context.Background())
	c := newClient(t, srv.URL, nil)
	client.SetSleep(c, func(context.Context, time.Duration) error { cancel(); return context.Canceled })
	_, err := c.Send(ctx, []byte("p"))
	if err == nil || !strings.Contains(err.Error(), "then it was cancelled") {
		t.Errorf("%v: want it to say it was cancelled", err)
	}
}

// TestEndedContextSendsNothing: Send with a context that has ended already (a Ctrl-C
// between two payloads) sends nothing and says so, with no attempt counted; it said "no
// answer … may or may not be stored" after one attempt that never left.
func TestEndedContextSendsNothing(t *testing.T) {
	srv, seen := fake(t, [3]string{"202", "", ""})
	for _, end := range []func() (context.Context, context.CancelFunc){
		func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
		func() (context.Context, context.CancelFunc) { return context.WithTimeout(context.Background(), 0) },
	} {
		ctx, cancel := end()
		cancel()
		_, err := newClient(t, srv.URL, nil).Send(ctx, []byte("p"))
		var e *client.Error
		if !errors.As(err, &e) || e.Attempts != 0 || e.Outcome == contract.Refused || !strings.HasPrefix(e.Message, "not sent") || !errors.Is(err, ctx.Err()) {
			t.Errorf("%#v: want not sent, no attempt, not refused, wrapping %v", err, ctx.Err())
		}
	}
	if len(*seen) != 0 {
		t.Errorf("%d request(s) reached the server; want none", len(*seen))
	}
}
