package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/client"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// querySecret is a secret of a CDN's own carried in the dropbox URL's query.
const querySecret = "querysecret42"

// echoing returns a server that answers status with the request's Authorization header in its
// body and in a Location, as a hostile (or debugging) server could.
func echoing(t *testing.T, status int) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "http://127.0.0.1:9/?stolen="+r.Header.Get("Authorization"))
		w.WriteHeader(status)
		w.Write([]byte("you sent " + r.Header.Get("Authorization") + " and " + r.Header.Get(facetest.CDNHeader)))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// serving returns a server that answers with h.
func serving(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// secretTransport fails with an error that repeats the request's Authorization header, as a
// careless proxy's might.
type secretTransport struct{}

func (secretTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return nil, errors.New("proxy said: bad headers " + req.Header.Get("Authorization") + " and " + req.Header.Get(facetest.CDNHeader) + ".")
}

// redactionCase is a way a secret may come back to the client: send sends a payload that meets
// it; want says what else is wrong with the answer ("": nothing).
type redactionCase struct {
	name string
	send func(t *testing.T) (client.Receipt, error)
	want func(r client.Receipt, e *client.Error) string
}

// TestNoSecretInAnAnswer: wherever a secret comes back to the client (a server's message, a
// redirect's Location, X-Request-Id, the message cut at the 4096 bytes the client reads, a
// transport's error, Go's errors naming the URL whole), neither the token (not even its
// start), nor the CDN header's, nor the URL's query is in the error or the receipt.
func TestNoSecretInAnAnswer(t *testing.T) {
	var tests []redactionCase
	for _, status := range []int{http.StatusBadRequest, http.StatusServiceUnavailable, http.StatusInternalServerError, http.StatusTemporaryRedirect} {
		tests = append(tests, redactionCase{
			name: "echoed in an answer " + http.StatusText(status),
			send: func(t *testing.T) (client.Receipt, error) {
				return newClient(t, echoing(t, status).URL, nil, client.WithAttempts(2)).Send(context.Background(), []byte("p"))
			},
			want: func(r client.Receipt, e *client.Error) string {
				if e == nil || e.Status != status {
					return "want a client.Error of that status"
				}
				return ""
			},
		})
	}
	for _, status := range []int{http.StatusAccepted, http.StatusBadRequest} {
		tests = append(tests, redactionCase{
			name: "in X-Request-Id of a " + http.StatusText(status),
			send: func(t *testing.T) (client.Receipt, error) {
				u := serving(t, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("X-Request-Id", "id-"+r.Header.Get("Authorization"))
					w.WriteHeader(status)
				})
				return newClient(t, u, nil).Send(context.Background(), []byte("p"))
			},
			want: func(r client.Receipt, e *client.Error) string {
				id := r.RequestID
				if e != nil {
					id += e.RequestID
				}
				if !strings.HasPrefix(id, "id-") {
					return "want the request id kept, the token taken out"
				}
				return ""
			},
		})
	}
	tests = append(tests, []redactionCase{
		{
			name: "cut at the body limit",
			send: func(t *testing.T) (client.Receipt, error) {
				u := serving(t, func(w http.ResponseWriter, r *http.Request) {
					w.WriteHeader(http.StatusBadRequest)
					w.Write([]byte(strings.Repeat("x", 4096-30) + r.Header.Get("Authorization")[len("Bearer "):]))
				})
				return newClient(t, u, nil).Send(context.Background(), []byte("p"))
			},
			want: func(r client.Receipt, e *client.Error) string {
				if e == nil || !strings.HasSuffix(e.Error(), "REDACTED") {
					return "want the token's start redacted"
				}
				return ""
			},
		},
		{
			name: "in a transport's error",
			send: func(t *testing.T) (client.Receipt, error) {
				return newClient(t, "http://127.0.0.1:9", nil, client.WithAttempts(1), client.WithHTTPClient(&http.Client{Transport: secretTransport{}})).Send(context.Background(), []byte("p"))
			},
			want: func(r client.Receipt, e *client.Error) string {
				if e == nil {
					return "want an error"
				}
				return ""
			},
		},
		{
			name: "in the URL's query",
			send: func(t *testing.T) (client.Receipt, error) {
				u := "http://" + porttest.FreeAddr(t) + "/drop?sig=" + querySecret
				return newClient(t, u, nil, client.WithAttempts(2)).Send(context.Background(), []byte("p"))
			},
			want: func(r client.Receipt, e *client.Error) string {
				if e == nil || e.Status != 0 {
					return "want a client.Error without a status"
				}
				return ""
			},
		},
	}...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.send(t)
			var e *client.Error
			said := r.RequestID
			if err != nil {
				if !errors.As(err, &e) {
					t.Fatalf("%v: want a *client.Error", err)
				}
				said += err.Error() + e.RequestID + e.Message
			}
			for _, secret := range []string{facetest.AuthToken[:30], facetest.CDNToken, querySecret} {
				if strings.Contains(said, secret) {
					t.Errorf("the answer holds a secret: receipt %+v, error %v", r, err)
				}
			}
			if why := tt.want(r, e); why != "" {
				t.Errorf("receipt %+v, error %v: %s", r, err, why)
			}
		})
	}
}
