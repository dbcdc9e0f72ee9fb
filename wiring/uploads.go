package wiring

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// UploadSettings are the settings of resumable uploads (tus 1.0.0, docs/uploads.md), the same
// for the Lambda function and the server.
type UploadSettings struct {
	MaxUploadBytes     ByteCount `envconfig:"MAX_UPLOAD_BYTES" default:"0" desc:"largest upload accepted on /v1/uploads (tus), bytes, in decimal; 0: no uploads"`
	UploadTTL          Duration  `envconfig:"UPLOAD_TTL" default:"24h" desc:"how long an unfinished upload is kept after its creation (Upload-Expires): a duration such as 36h, or days such as 2d"`
	UploadPublicURL    string    `envconfig:"UPLOAD_PUBLIC_URL" desc:"URL put before /v1/uploads/<id> in Location, such as https://dropbox.example.com (the CDN's); unset: a path"`
	CORSAllowedOrigins string    `envconfig:"CORS_ALLOWED_ORIGINS" desc:"browser origins allowed to upload, comma-separated (such as https://app.example.com), or *; unset: no CORS"`
}

// MaxUploadLimit is the largest MAX_UPLOAD_BYTES: S3's largest object, 5 TiB (a multipart
// upload of 10,000 parts; the store's part size bounds it further).
const MaxUploadLimit = 5 << 40

// ByteCount is a byte count setting, read in base 10 only, up to 2⁶³-1.
type ByteCount int64

// Decode parses a non-negative decimal integer without a leading zero.
func (n *ByteCount) Decode(value string) error {
	if value == "" || (value[0] == '0' && len(value) > 1) || strings.TrimLeft(value, "0123456789") != "" {
		return errors.New("must be a whole number in decimal, such as 1073741824, without a sign or leading zero")
	}
	v, err := strconv.ParseInt(value, 10, 64)
	if err != nil {
		return errors.New("must be at most 5497558138880 (5 TiB)")
	}
	*n = ByteCount(v)
	return nil
}

// Validate checks the upload settings.
func (u *UploadSettings) Validate() error {
	if u.MaxUploadBytes > MaxUploadLimit {
		return fmt.Errorf("MAX_UPLOAD_BYTES: must be at most %d (5 TiB, S3's largest object)", int64(MaxUploadLimit))
	}
	if u.UploadPublicURL != "" && !baseURL(u.UploadPublicURL) {
		return errors.New("UPLOAD_PUBLIC_URL: must be an http:// or https:// URL without a path, query or fragment, such as https://dropbox.example.com")
	}
	for _, o := range u.Origins() {
		if o == "*" {
			continue
		}
		p, err := url.Parse(o)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.Path != "" || p.User != nil || p.RawQuery != "" {
			return errors.New("CORS_ALLOWED_ORIGINS: must be origins such as https://app.example.com (scheme and host, no path), comma-separated, or *")
		}
	}
	return nil
}

// baseURL reports whether v is a scheme and a host (with a port from 1 to 65535, if any) to
// put a path after: no user, path, query or fragment, not even an empty "?" or "#", which
// would swallow the path.
func baseURL(v string) bool {
	p, err := url.Parse(v)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Hostname() == "" || p.User != nil ||
		strings.ContainsAny(v, "?#") || strings.TrimSuffix(p.Path, "/") != "" {
		return false
	}
	if port := p.Port(); port != "" || strings.HasSuffix(p.Host, ":") {
		n, err := strconv.Atoi(port)
		return err == nil && n >= 1 && n <= 65535
	}
	return true
}

// PublicURL returns UPLOAD_PUBLIC_URL without a trailing slash.
func (u *UploadSettings) PublicURL() string { return strings.TrimSuffix(u.UploadPublicURL, "/") }

// Origins returns the allowed origins.
func (u *UploadSettings) Origins() []string {
	var out []string
	for _, o := range strings.Split(u.CORSAllowedOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// Uploads returns the upload use-case over svc (its state in svc's store) and store (the
// uploads' bytes), as u configures it; nil when uploads are off (MAX_UPLOAD_BYTES 0).
func Uploads(u UploadSettings, svc *domain.Service, store ports.ObjectStore) (*domain.Uploads, error) {
	if u.MaxUploadBytes == 0 {
		return nil, nil
	}
	us, ok := store.(ports.UploadStore)
	if !ok {
		return nil, errors.New("MAX_UPLOAD_BYTES: this store does not keep uploads")
	}
	if lim, ok := store.(interface{ MaxUploadBytes() int64 }); ok && int64(u.MaxUploadBytes) > lim.MaxUploadBytes() {
		return nil, fmt.Errorf("MAX_UPLOAD_BYTES: must be at most %d with this store (its part size times its most parts)", lim.MaxUploadBytes())
	}
	return domain.NewUploads(svc, us, domain.UploadConfig{MaxBytes: int64(u.MaxUploadBytes), TTL: time.Duration(u.UploadTTL)})
}

// UploadFace returns the uploads' HTTP face as u configures it, for the upload use-case up.
func (u *UploadSettings) UploadFace(up *domain.Uploads) httpface.UploadFace {
	return httpface.UploadFace{MaxBytes: up.MaxBytes(), PublicURL: u.PublicURL(), AllowedOrigins: u.Origins()}
}

// CheckBeside checks that uploads, when on, leave the drop path reachable: a DROP_PATH under
// /v1/uploads would be served as an upload's.
func (u *UploadSettings) CheckBeside(dropPath string) error {
	if u.MaxUploadBytes == 0 || dropPath == "" {
		return nil
	}
	if _, ok := httpface.UploadID(dropPath); ok {
		return errors.New("DROP_PATH: must not be under " + httpface.UploadsPath + " with MAX_UPLOAD_BYTES set: the uploads are served there")
	}
	return nil
}
