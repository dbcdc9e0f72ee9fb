package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBannerSenderCommand: dev mode's banner prints a sender command that works as printed,
// from the project's folder, with a shell: the payload it pipes in is stored with its bytes.
// A token file made by copying the banner's authorization line works too.
func TestBannerSenderCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped: runs go run (-short)")
	}
	dir := t.TempDir()
	_, stderr := start(t, dir, nil, "-dev", "-addr", "127.0.0.1:0")
	var line, authLine, cdnLine string
	for {
		l, err := stderr.ReadString('\n')
		switch {
		case strings.HasPrefix(l, "  authorization: "):
			authLine = l
		case strings.HasPrefix(l, "  x-cdn-authorization: "):
			cdnLine = strings.TrimSpace(l)
		case strings.Contains(l, "go run ./cmd/s3-dropbox-send"):
			line = strings.TrimSpace(l)
		}
		if line != "" {
			break
		}
		if err != nil {
			t.Fatalf("no sender command in the banner: %v", err)
		}
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", line)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "-: stored (1 attempt(s))") {
		t.Fatalf("%s\nexit %v:\n%s\nwant stored", line, err, out)
	}
	got := files(t, dir)
	if len(got) != 1 {
		t.Fatalf("%d files, want 1", len(got))
	}
	for _, b := range got {
		if b != "hello, dropbox\n" {
			t.Errorf("stored %q, want the piped line", b)
		}
	}

	// A token file made by copying the banner's authorization line, whole or from "Bearer".
	fields := strings.Fields(line)
	url := fields[slices.Index(fields, "-url")+1]
	for i, content := range []string{authLine, authLine[strings.Index(authLine, "Bearer"):]} {
		tokenFile := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(tokenFile, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("go", "run", "./cmd/s3-dropbox-send", "-url", url, "-token-file", tokenFile, "-H", cdnLine, "-")
		cmd.Dir, cmd.Stdin = root, strings.NewReader("from a copied token")
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "-: stored") {
			t.Errorf("token file %d copied from the banner: %v\n%s", i, err, out)
		}
	}
	if got := files(t, dir); len(got) != 3 {
		t.Errorf("%d files, want 3", len(got))
	}
}
