package facetest

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// Post drops payload at url over HTTP with the test's client token, and the CDN's under
// cdnHeader, and returns the answer, its body read and closed.
func Post(t testing.TB, url, cdnHeader, payload string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+AuthToken)
	req.Header.Set(cdnHeader, "Bearer "+CDNToken)
	return Do(t, req)
}

// Do sends req with the default client and returns the answer, its body read and closed.
func Do(t testing.TB, req *http.Request) *http.Response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}
