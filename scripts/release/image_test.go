package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// TestImage builds the server's images twice: byte-identical archives, each one image of one
// layer holding only the storage folder and the static binary (with its CA roots), run as a user without privileges,
// the server as entrypoint, port 8080, OCI labels; and the binary taken out of the image for
// this machine serves a drop.
func TestImage(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: builds the server four times")
	}
	t.Chdir("../..")
	var archives [2]map[string][]byte
	var dist string
	for i := range archives {
		dist = t.TempDir()
		var out bytes.Buffer
		if err := run([]string{"-image", "-version", "1.2.3", "-out", dist}, &out); err != nil {
			t.Fatal(err)
		}
		archives[i] = map[string][]byte{}
		for _, arch := range ImageArchs {
			b, err := os.ReadFile(filepath.Join(dist, "s3-dropbox-image-"+arch+".tar"))
			if err != nil {
				t.Fatalf("%v (output %q)", err, out.String())
			}
			archives[i][arch] = b
		}
	}
	for _, arch := range ImageArchs {
		if !bytes.Equal(archives[0][arch], archives[1][arch]) {
			t.Errorf("%s: two builds made different archives", arch)
		}
		path := filepath.Join(dist, "s3-dropbox-image-"+arch+".tar")
		bin := checkImage(t, path, arch)
		if arch == runtime.GOARCH {
			serveFromImage(t, bin)
		}
	}
}

// checkImage reads the archive as docker load does and checks the image; it returns the
// binary's path, taken out of the layer.
func checkImage(t *testing.T, path, arch string) string {
	t.Helper()
	img, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		t.Fatalf("%s: not an image archive: %v", arch, err)
	}
	m, err := img.Manifest()
	if err != nil || len(m.Layers) != 1 {
		t.Fatalf("%s: manifest %+v, %v; want one layer", arch, m, err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Config
	if cfg.OS != "linux" || cfg.Architecture != arch {
		t.Errorf("%s: platform %s/%s", arch, cfg.OS, cfg.Architecture)
	}
	if u := strings.Split(c.User, ":")[0]; u == "" || u == "0" || u == "root" {
		t.Errorf("%s: user %q, want one without privileges", arch, c.User)
	}
	if len(c.Entrypoint) != 1 || c.Entrypoint[0] != ImageBinary {
		t.Errorf("%s: entrypoint %v, want the server", arch, c.Entrypoint)
	}
	if _, ok := c.ExposedPorts["8080/tcp"]; !ok {
		t.Errorf("%s: exposed ports %v, want 8080/tcp", arch, c.ExposedPorts)
	}
	if c.Labels["org.opencontainers.image.version"] != "1.2.3" || c.Labels["org.opencontainers.image.source"] != ImageSource {
		t.Errorf("%s: labels %v, want the version and the source", arch, c.Labels)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	r, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var names []string
	bin := filepath.Join(t.TempDir(), "s3-dropbox")
	eachTarEntry(t, r, func(h *tar.Header, tr *tar.Reader) {
		names = append(names, h.Name)
		if "/"+h.Name == ImageBinary {
			if h.Mode&0o111 == 0 || h.Uid != 0 {
				t.Errorf("%s: binary mode %o uid %d, want executable, owned by root (not writable by the user)", arch, h.Mode, h.Uid)
			}
			b, _ := io.ReadAll(tr)
			os.WriteFile(bin, b, 0o755)
		}
	})
	if want := []string{strings.TrimPrefix(ImageDataDir, "/") + "/", strings.TrimPrefix(ImageBinary, "/")}; !slices.Equal(names, want) {
		t.Fatalf("%s: layer holds %v, want only the storage folder and the server %v", arch, names, want)
	}
	checkDataDir(t, img)
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[arch]
	if f.Machine != want {
		t.Errorf("%s: binary for %v", arch, f.Machine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s: the binary is dynamically linked: an empty base has no loader", arch)
		}
	}
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	roots := false
	for _, d := range info.Deps {
		roots = roots || d.Path == "golang.org/x/crypto/x509roots/fallback"
	}
	if !roots {
		t.Errorf("%s: the binary carries no CA roots (x509roots/fallback): S3 over TLS would fail on an empty base", arch)
	}
	// An independent reader of docker archives (containers/image, as podman uses), if installed.
	if skopeo, err := exec.LookPath("skopeo"); err == nil {
		out, err := exec.Command(skopeo, "inspect", "docker-archive:"+path).CombinedOutput()
		if err != nil || !strings.Contains(string(out), `"Architecture": "`+arch+`"`) {
			t.Errorf("%s: skopeo inspect: %v\n%s", arch, err, out)
		}
	} else {
		t.Log("skopeo is not installed: the archive was read by go-containerregistry only")
	}
	return bin
}

// serveFromImage runs the binary taken out of the image and drops a payload through it.
func serveFromImage(t *testing.T, bin string) {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(bin)
	cmd.Env = []string{"ADDR=127.0.0.1:0", "STORAGE=filesystem", "STORAGE_DIR=" + dir, "DRAIN=0s",
		"AUTH_TOKEN=" + domain.TokenDigest(facetest.AuthToken), "CDN_TOKEN=" + domain.TokenDigest(facetest.CDNToken),
		"CDN_TOKEN_HTTP_HEADER_NAME=" + facetest.CDNHeader}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	lines := bufio.NewScanner(out)
	deadline := time.Now().Add(10 * time.Second)
	var addr string
	for addr == "" && time.Now().Before(deadline) && lines.Scan() {
		if m := regexp.MustCompile(`"addr":"([^"]+)"`).FindStringSubmatch(lines.Text()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		t.Fatal("the image's server did not start")
	}
	go io.Copy(io.Discard, out)
	if status := facetest.Post(t, "http://"+addr+"/v1/drop", facetest.CDNHeader, "from the image").StatusCode; status != 202 {
		t.Errorf("drop through the image's server: %d, want 202", status)
	}
	entries, _ := os.ReadDir(dir)
	n := 0
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d drops in the folder, want 1", n)
	}
}
