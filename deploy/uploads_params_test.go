package deploy

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/wiring"
)

// TestUploadParametersAgreeWithSettings: the uploads' parameters accept only values the
// function starts with (MaxUploadBytes also within the S3 store's 10,000 parts), and the
// values the docs show; with uploads on, so that the settings are all read.
func TestUploadParametersAgreeWithSettings(t *testing.T) {
	tmpl, _ := load(t)
	max := strconv.FormatInt(s3store.MaxUploadBytes, 10)
	tests := []struct {
		param, env string
		valid      []string // the template must accept them
		others     []string // the template may refuse them; if it accepts one, so must the function
	}{
		{"MaxUploadBytes", "MAX_UPLOAD_BYTES",
			[]string{"0", "1", "1073741824", "9999999999", "10000000000", "49999999999", "52428799999", max},
			[]string{"", "01", "-1", "1e9", "1073741824.0", " 1", "52428800001", "52428900000", "52999999999", "60000000000", "99999999999", "100000000000", "5497558138880"}},
		{"UploadPublicUrl", "UPLOAD_PUBLIC_URL",
			[]string{"", "https://dropbox.example.com", "https://dropbox.example.com/", "http://127.0.0.1:8080"},
			[]string{"dropbox.example.com", "https://dropbox.example.com/v1", "https://a@b", "https://x?y", "https://x#y", "ftp://x", "https://", "https:// x"}},
		{"CorsAllowedOrigins", "CORS_ALLOWED_ORIGINS",
			[]string{"", "*", "https://app.example.com", "https://app.example.com,http://localhost:3000", "*,https://a.example"},
			[]string{"app.example.com", "https://app.example.com/", "https://app.example.com/x", "https://a , https://b", ",", "https://a,", "https://u@a", " "}},
	}
	for _, tt := range tests {
		for i, v := range append(append([]string{}, tt.valid...), tt.others...) {
			t.Run(fmt.Sprintf("%s=%s", tt.param, strconv.Quote(v)), func(t *testing.T) {
				setBaseline(t)
				t.Setenv("MAX_UPLOAD_BYTES", "1048576")
				t.Setenv(tt.env, v)
				_, err := wiring.LoadLambda()
				ok := err == nil
				if tt.param == "MaxUploadBytes" && ok {
					n, _ := strconv.ParseInt(v, 10, 64)
					ok = n <= s3store.MaxUploadBytes
				}
				got := allowed(t, tmpl, tt.param, v)
				switch {
				case i < len(tt.valid) && (!got || !ok):
					t.Errorf("a documented value: template accepts %v, the function %v (%v)", got, ok, err)
				case got && !ok:
					t.Errorf("the template accepts it, and the function refuses it (%v)", err)
				}
			})
		}
	}
}
