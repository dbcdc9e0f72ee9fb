package wiring

import (
	"strings"
	"testing"
)

// TestUploadPublicURLMakesAWorkingLocation: an UPLOAD_PUBLIC_URL that would make Location
// something else than the upload's URL (an empty query or fragment swallows the path put
// after it; a port that is no port) is refused at start, naming the variable.
func TestUploadPublicURLMakesAWorkingLocation(t *testing.T) {
	for _, tt := range []struct {
		url  string
		want bool // accepted
	}{
		{"https://dropbox.example.com", true},
		{"https://dropbox.example.com/", true},
		{"http://127.0.0.1:8080", true},
		{"http://[::1]:8080", true},
		{"http://[::1]:0", false},
		{"https://dropbox.example.com?", false},
		{"https://dropbox.example.com/?", false},
		{"https://dropbox.example.com#", false},
		{"https://dropbox.example.com:99999", false},
		{"https://dropbox.example.com:", false},
		{"https://dropbox.example.com:https", false},
	} {
		u := UploadSettings{MaxUploadBytes: 1, UploadPublicURL: tt.url}
		err := u.Validate()
		switch {
		case tt.want && err != nil:
			t.Errorf("%q: %v, want accepted", tt.url, err)
		case !tt.want && (err == nil || !strings.Contains(err.Error(), "UPLOAD_PUBLIC_URL")):
			t.Errorf("%q: %v, want an error naming UPLOAD_PUBLIC_URL (Location would be %q)", tt.url, err, u.PublicURL()+"/v1/uploads/<id>")
		}
	}
}
