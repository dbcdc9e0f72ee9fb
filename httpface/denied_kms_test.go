package httpface_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// TestStorageDeniedFixNamesKMSDecrypt: the once-per-process error line's fix names
// kms:Decrypt beside the S3 grants, since S3 answers a read it cannot decrypt 403 too.
func TestStorageDeniedFixNamesKMSDecrypt(t *testing.T) {
	err := &domain.Error{Code: domain.EStorageDenied, Message: "denied", Err: fmt.Errorf("403: %w", ports.ErrDenied)}
	var buf bytes.Buffer
	rec := httpface.NewRecorder(slog.New(slog.NewJSONHandler(&buf, nil)), "")
	rec.Record(context.Background(), "1", ports.DropResult{StoreTried: true}, err, time.Millisecond)
	for line := range bytes.Lines(buf.Bytes()) {
		var l map[string]any
		if err := json.Unmarshal(line, &l); err != nil {
			t.Fatal(err)
		}
		if l["level"] == "ERROR" {
			if fix, _ := l["fix"].(string); !strings.Contains(fix, "kms:Decrypt") {
				t.Errorf("fix %q does not name kms:Decrypt", fix)
			}
			return
		}
	}
	t.Fatalf("no error line:\n%s", buf.String())
}
