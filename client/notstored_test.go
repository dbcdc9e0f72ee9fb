package client_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/client"
	"github.com/s3-dropbox/s3-dropbox/contract"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// TestNotStoredSaid: a payload no attempt may have stored (the server could not be
// reached, or answered 503 each time) is said to be not stored, not "may or may not be
// stored"; one that an attempt may have stored (a 504 among them) is not.
func TestNotStoredSaid(t *testing.T) {
	unreachable := "http://" + porttest.FreeAddr(t)
	unavailable, _ := fake(t, [3]string{"503", "0", ""})
	unknown, _ := fake(t, [3]string{"503", "0", ""}, [3]string{"504", "0", ""}, [3]string{"503", "0", ""})
	tests := []struct {
		url       string
		notStored bool
	}{
		{unreachable, true},
		{unavailable.URL, true},
		{unknown.URL, false},
	}
	for _, tt := range tests {
		_, err := newClient(t, tt.url, nil, client.WithAttempts(3)).Send(context.Background(), []byte("p"))
		var e *client.Error
		if !errors.As(err, &e) || e.Outcome == contract.Refused || (e.Outcome == contract.NotStored) != tt.notStored || strings.HasPrefix(err.Error(), "not stored") != tt.notStored {
			t.Errorf("%s: %v (%+v); want NotStored %v", tt.url, err, e, tt.notStored)
		}
	}
}

// TestKeptConnectionLostThenUnreachable: the second payload goes on the connection the
// first was answered on; the server reads it whole (it may store it), then stops listening
// and closes the connection unanswered. Go's transport sends it again on a new connection,
// which cannot be made: the error is one of connecting, yet the payload may be stored.
func TestKeptConnectionLostThenUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	read := make(chan int, 2)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		br := bufio.NewReader(conn)
		for i := range 2 {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			io.Copy(io.Discard, req.Body)
			read <- i
			if i == 0 {
				io.WriteString(conn, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
				continue
			}
			ln.Close() // no new connection from now on; then the kept one closes unanswered
		}
	}()
	c := newClient(t, "http://"+ln.Addr().String(), nil, client.WithAttempts(1), client.WithHTTPClient(&http.Client{Transport: &http.Transport{}}))
	if _, err := c.Send(context.Background(), []byte("first")); err != nil {
		t.Fatalf("first payload: %v", err)
	}
	_, err = c.Send(context.Background(), []byte("second"))
	var e *client.Error
	if !errors.As(err, &e) || e.Outcome != contract.Unknown {
		t.Errorf("%v (%+v); want unknown: the server read the payload whole", err, e)
	}
	if len(read) != 2 {
		t.Errorf("the server read %d request(s); want 2", len(read))
	}
}

// TestKeptConnectionLostThen503: as above, but the new connection is made, and the
// request sent on it is answered 503 (that request stored nothing) or 413: the one sent on
// the lost connection may be stored all the same, so the payload is neither "not stored" nor
// "refused".
func TestKeptConnectionLostThen503(t *testing.T) {
	for _, answer := range []string{"503 Service Unavailable", "413 Content Too Large"} {
		keptConnectionLostThen(t, answer)
	}
}

// keptConnectionLostThen sends two payloads on one kept connection; the second is read whole
// and its connection closed unanswered, and the transport's resend on a new connection is
// answered status ("503 Service Unavailable").
func keptConnectionLostThen(t *testing.T, status string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var read atomic.Int32
	serve := func(conn net.Conn, answers ...string) {
		defer conn.Close()
		br := bufio.NewReader(conn)
		for _, a := range answers {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			io.Copy(io.Discard, req.Body)
			read.Add(1)
			if a == "" { // closed unanswered
				return
			}
			io.WriteString(conn, a)
		}
	}
	go func() {
		first, err := ln.Accept()
		if err != nil {
			return
		}
		go serve(first, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", "")
		second, err := ln.Accept()
		if err != nil {
			return
		}
		serve(second, "HTTP/1.1 "+status+"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	}()
	c := newClient(t, "http://"+ln.Addr().String(), nil, client.WithAttempts(1), client.WithHTTPClient(&http.Client{Transport: &http.Transport{}}))
	if _, err := c.Send(context.Background(), []byte("first")); err != nil {
		t.Fatalf("first payload: %v", err)
	}
	_, err = c.Send(context.Background(), []byte("second"))
	var e *client.Error
	if !errors.As(err, &e) || !strings.HasPrefix(status, strconv.Itoa(e.Status)) || e.Outcome != contract.Unknown {
		t.Errorf("%s: %v (%+v); want unknown: the lost connection's request was read whole", status, err, e)
	}
	if read.Load() != 3 {
		t.Errorf("%s: the server read %d request(s); want 3", status, read.Load())
	}
}
