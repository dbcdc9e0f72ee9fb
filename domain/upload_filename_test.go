package domain_test

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/adapters/system"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/ports"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// TestUploadFilenameRefusesControlAndBidiCharacters: a filename in Upload-Metadata with a
// control character (C0, DEL or C1), a line or paragraph separator, or a bidirectional
// control (which shows "evil\u202egpj.exe" as "evilexe.jpg") is refused at creation (400
// bad_upload); names of any script, with spaces, emoji and directional marks, are kept.
func TestUploadFilenameRefusesControlAndBidiCharacters(t *testing.T) {
	s := memstore.New()
	u, err := domain.NewUploads(newService(t, s, system.Clock{}, system.UUIDs{}), s, domain.UploadConfig{MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		filename string
		wantCode string // "": created
	}{
		{"plain", "report 2026.csv", ""},
		{"accents and another script", "résumé-履歴書.pdf", ""},
		{"emoji with a joiner", "👩\u200d💻 notes.txt", ""},
		{"newline", "a\nb", domain.EBadUpload},
		{"delete", "a\x7fb", domain.EBadUpload},
		{"C1 next line", "a\u0085b", domain.EBadUpload},
		{"C1 CSI", "a\u009b31mb", domain.EBadUpload},
		{"line separator", "a\u2028b", domain.EBadUpload},
		{"paragraph separator", "a\u2029b", domain.EBadUpload},
		{"right-to-left override", "evil\u202egpj.exe", domain.EBadUpload},
		{"right-to-left isolate", "evil\u2067gpj.exe", domain.EBadUpload},
		{"left-to-right embedding", "a\u202ab", domain.EBadUpload},
		{"pop directional isolate", "a\u2069b", domain.EBadUpload},
		{"right-to-left mark, which reorders nothing around it", "שלום\u200f.txt", ""},
	} {
		h := porttest.Header{"x-cdn-authorization": "Bearer " + cdnClient, "authorization": "Bearer " + authClient,
			"upload-length": "1", "upload-metadata": "filename " + base64.StdEncoding.EncodeToString([]byte(tt.filename))}
		_, err := u.Upload(context.Background(), ports.UploadRequest{Method: "POST", Header: h})
		if got := domain.ErrorCode(err); got != tt.wantCode {
			t.Errorf("%s (%q): error %v (code %q), want code %q", tt.name, tt.filename, err, got, tt.wantCode)
		}
	}
}
