package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// The server's image: the static binary on an empty base, with its storage folder, run as a
// user without privileges, listening on 8080. The binary carries its own CA roots
// (x509roots/fallback), so that S3 over TLS works without /etc/ssl.
const (
	ServerPackage = "./cmd/s3-dropbox"
	ImageBinary   = "/s3-dropbox"
	ImageUser     = "65532:65532" // nobody's usual id in distroless images; any non-root id works
	ImageUID      = 65532
	// ImageDataDir is the storage folder for STORAGE_DIR, owned by ImageUser with mode 0700:
	// an empty named volume mounted there is initialised from it (Docker copies the folder's
	// owner and mode), so that the user can write to it.
	ImageDataDir = "/data"
	ImagePort    = "8080/tcp"
	ImageSource  = "https://github.com/s3-dropbox/s3-dropbox"
)

// ImageArchs are the architectures images are built for.
var ImageArchs = []string{"amd64", "arm64"}

// buildImage writes dist/s3-dropbox-image-<arch>.tar, a docker-load-able archive of the
// server's image, tagged s3-dropbox:<version>. Everything in it is fixed by the source: the
// same source gives the same bytes.
func buildImage(arch, dist, version string) (string, error) {
	tmp, err := os.MkdirTemp("", "image")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "s3-dropbox")
	if err := compile(ServerPackage, bin, "linux", arch); err != nil {
		return "", err
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return "", err
	}
	img, err := imageOf(data, arch, version)
	if err != nil {
		return "", err
	}
	tag, err := name.NewTag("s3-dropbox:"+version, name.WeakValidation)
	if err != nil {
		return "", fmt.Errorf("image tag: %w", err)
	}
	path := filepath.Join(dist, "s3-dropbox-image-"+arch+".tar")
	return path, tarball.WriteToFile(path, tag, img)
}

// imageOf returns the server's image for arch around binary: one layer holding the storage
// folder and the binary, the configuration, fixed times.
func imageOf(binary []byte, arch, version string) (v1.Image, error) {
	stream, err := layerTar(binary)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(stream)), nil
	})
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", arch
	cfg.Created = v1.Time{Time: modTime}
	cfg.Config.Entrypoint = []string{ImageBinary}
	cfg.Config.User = ImageUser
	cfg.Config.ExposedPorts = map[string]struct{}{ImagePort: {}}
	cfg.Config.Env = []string{"PORT=8080"}
	cfg.Config.Labels = map[string]string{
		"org.opencontainers.image.title":       "s3-dropbox",
		"org.opencontainers.image.description": "A bearer-token-authenticated dropbox: POSTed payloads kept as objects in S3 or a folder",
		"org.opencontainers.image.version":     version,
		"org.opencontainers.image.source":      ImageSource,
	}
	for i := range cfg.History {
		cfg.History[i].Created = v1.Time{Time: modTime}
	}
	return mutate.ConfigFile(img, cfg)
}

// layerTar returns the image's layer as a tar stream with a fixed time: the storage folder,
// owned by the image's user (mode 0700), and the executable binary, owned by root.
func layerTar(binary []byte) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dir := &tar.Header{Name: strings.TrimPrefix(ImageDataDir, "/") + "/", Mode: 0o700, Uid: ImageUID, Gid: ImageUID, ModTime: modTime, Typeflag: tar.TypeDir, Format: tar.FormatPAX}
	if err := tw.WriteHeader(dir); err != nil {
		return nil, err
	}
	hdr := &tar.Header{Name: strings.TrimPrefix(ImageBinary, "/"), Mode: 0o755, Size: int64(len(binary)), ModTime: modTime, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, err
	}
	if _, err := tw.Write(binary); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// sourceVersion names the build: the source's commit, or "dev" outside a git checkout.
func sourceVersion() string {
	out, err := exec.Command("git", "rev-parse", "--short=12", "HEAD").Output()
	if v := strings.TrimSpace(string(out)); err == nil && v != "" {
		return v
	}
	return "dev"
}
