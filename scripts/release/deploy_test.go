package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDeployFiles: the release carries the stack and the monitoring files byte for byte, and
// the rules' unit tests find the rules beside them.
func TestDeployFiles(t *testing.T) {
	t.Chdir("../..")
	dist := t.TempDir()
	var out bytes.Buffer
	if err := copyDeploy(dist, &out); err != nil {
		t.Fatal(err)
	}
	for name, src := range DeployFiles {
		want, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dist, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: not %s as it is (%v)", name, src, err)
		}
		if !strings.Contains(out.String(), filepath.Join(dist, name)+": ") {
			t.Errorf("output %q does not report %s", out.String(), name)
		}
	}
	tests, err := os.ReadFile(filepath.Join(dist, "s3-dropbox.rules.test.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(tests), "\n  - s3-dropbox.rules.yml\n") {
		t.Error("the rules' unit tests do not load s3-dropbox.rules.yml, the name the release gives the rules")
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool is missing: CI must run the rules' unit tests")
		}
		t.Log("skipped the rules' unit tests in the release: promtool is not installed (./scripts/test installs it)")
		return
	}
	cmd := exec.Command(promtool, "test", "rules", "s3-dropbox.rules.test.yml")
	cmd.Dir = dist
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool test rules in the release: %v\n%s", err, b)
	}
}
