package wiring

import (
	"strings"
	"testing"
)

// TestUploadSettings: the upload settings' checks, each error naming its variable.
func TestUploadSettings(t *testing.T) {
	tests := []struct {
		name     string
		u        UploadSettings
		dropPath string
		want     string // a part of the error; "": none
	}{
		{"off", UploadSettings{}, "/v1/uploads", ""},
		{"on", UploadSettings{MaxUploadBytes: 1 << 30}, "/v1/drop", ""},
		{"over 5 TiB", UploadSettings{MaxUploadBytes: MaxUploadLimit + 1}, "/v1/drop", "MAX_UPLOAD_BYTES"},
		{"a public URL with a path", UploadSettings{MaxUploadBytes: 1, UploadPublicURL: "https://x.example.com/base"}, "/v1/drop", "UPLOAD_PUBLIC_URL"},
		{"a public URL", UploadSettings{MaxUploadBytes: 1, UploadPublicURL: "https://x.example.com/"}, "/v1/drop", ""},
		{"an origin with a path", UploadSettings{MaxUploadBytes: 1, CORSAllowedOrigins: "https://a.example.com/x"}, "/v1/drop", "CORS_ALLOWED_ORIGINS"},
		{"origins", UploadSettings{MaxUploadBytes: 1, CORSAllowedOrigins: "https://a.example.com, http://localhost:3000"}, "/v1/drop", ""},
		{"origins with capitals", UploadSettings{MaxUploadBytes: 1, CORSAllowedOrigins: "HTTPS://App.Example.com, http://LocalHost:3000"}, "/v1/drop", ""},
		{"the drop path under the uploads", UploadSettings{MaxUploadBytes: 1}, "/v1/uploads/drop", "DROP_PATH"},
	}
	for _, tt := range tests {
		err := tt.u.Validate()
		if err == nil {
			err = tt.u.CheckBeside(tt.dropPath)
		}
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v, want none", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: %v, want an error naming %s", tt.name, err, tt.want)
		}
	}
}
