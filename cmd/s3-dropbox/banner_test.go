package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBannerSenderCommand: dev mode's banner prints a sender command that works as printed,
// from the project's folder, with a shell: the payload it pipes in is stored with its bytes.
func TestBannerSenderCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped: runs go run (-short)")
	}
	dir := t.TempDir()
	_, stderr := start(t, dir, nil, "-dev", "-addr", "127.0.0.1:0")
	var line string
	for {
		l, err := stderr.ReadString('\n')
		if strings.Contains(l, "go run ./cmd/s3-dropbox-send") {
			line = strings.TrimSpace(l)
			break
		}
		if err != nil {
			t.Fatalf("no sender command in the banner: %v", err)
		}
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
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
}
