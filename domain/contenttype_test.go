package domain

import (
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

func TestContentType(t *testing.T) {
	tests := []struct{ header, want string }{
		{"", DefaultContentType},
		{"application/json", "application/json"},
		{"TEXT/CSV; Charset=utf-8; header=present", "text/csv; charset=utf-8; header=present"},
		{"text", DefaultContentType},
		{"a/b; c", DefaultContentType},
		{"image/png ", "image/png"},
	}
	for _, tt := range tests {
		h := porttest.Header{}
		if tt.header != "" {
			h["content-type"] = tt.header
		}
		if got := contentType(h.Get("content-type")); got != tt.want {
			t.Errorf("contentType(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestMediaTypeBound(t *testing.T) {
	fill := func(prefix string, n int) string { return prefix + strings.Repeat("a", n-len(prefix)) }
	tests := []struct {
		name, header string
		wantLen      int  // of the content type kept
		wantErr      bool // EBadContentType
	}{
		{"the longest", fill("text/plain; x=", MaxContentTypeBytes), MaxContentTypeBytes, false},
		{"a byte over", fill("text/plain; x=", MaxContentTypeBytes+1), 0, true},
		{"6,000 bytes", fill("text/plain; x=", 6000), 0, true},
		{"6,000 bytes, malformed", fill("not a media type ", 6000), 0, true},
		{"lengthened by encoding", `text/plain; x="` + strings.Repeat("é", 40) + `"`, 0, true}, // 98 bytes sent; 262 once RFC 2231 encoded
		{"within once encoded", `text/plain; x="é"`, len("text/plain; x*=utf-8''%C3%A9"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mediaType(porttest.Header{"content-type": tt.header})
			if tt.wantErr {
				if ErrorCode(err) != EBadContentType {
					t.Fatalf("mediaType = %d bytes, %v; want %s", len(got), err, EBadContentType)
				}
				return
			}
			if err != nil || len(got) != tt.wantLen {
				t.Errorf("mediaType = %q (%d bytes), %v; want %d bytes", got, len(got), err, tt.wantLen)
			}
		})
	}
}
