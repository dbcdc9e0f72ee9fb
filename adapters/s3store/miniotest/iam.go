package miniotest

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// MC returns the MinIO client (mc) named by TEST_MC_BIN (which scripts/test sets), or found
// on PATH or in Go's bin folder; without it the test skips (fails in CI) as Require does.
func MC(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv("TEST_MC_BIN"); bin != "" {
		return bin
	}
	if bin, err := exec.LookPath("mc"); err == nil {
		return bin
	}
	gobin := os.Getenv("GOBIN")
	if gobin == "" {
		out, err := exec.Command("go", "env", "GOPATH").Output()
		if err == nil {
			gobin = filepath.Join(strings.TrimSpace(string(out)), "bin")
		}
	}
	if bin := filepath.Join(gobin, "mc"); gobin != "" {
		if _, err := os.Stat(bin); err == nil {
			return bin
		}
	}
	const msg = "no MinIO client: set TEST_MC_BIN, or run ./scripts/test, which installs mc"
	if os.Getenv("CI") == "true" || os.Getenv("TEST_S3_REQUIRED") == "1" {
		t.Fatal(msg)
	}
	t.Skip("skipped: " + msg)
	return ""
}

// User makes a MinIO user on the server (whose keys must be its root's) that holds exactly
// policy, an IAM policy document (JSON), and returns the server as that user sees it. The user
// and its policy are removed when the test ends.
func (s Server) User(t testing.TB, policy []byte) Server {
	t.Helper()
	mc := MC(t)
	id := make([]byte, 6)
	rand.Read(id)
	name := "user-" + hex.EncodeToString(id)
	secret := make([]byte, 16)
	rand.Read(secret)
	u := s
	u.AccessKey, u.SecretKey = name, hex.EncodeToString(secret)

	dir := t.TempDir()
	file := filepath.Join(dir, "policy.json")
	if err := os.WriteFile(file, policy, 0o600); err != nil {
		t.Fatal(err)
	}
	host := strings.Replace(s.Endpoint, "://", "://"+s.AccessKey+":"+s.SecretKey+"@", 1)
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(mc, append([]string{"--config-dir", dir, "--quiet", "--no-color"}, args...)...)
		cmd.Env = append(os.Environ(), "MC_HOST_test="+host)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("mc %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("admin", "policy", "create", "test", name, file)
	run("admin", "user", "add", "test", u.AccessKey, u.SecretKey)
	run("admin", "policy", "attach", "test", name, "--user", u.AccessKey)
	t.Cleanup(func() {
		for _, args := range [][]string{{"admin", "user", "remove", "test", u.AccessKey}, {"admin", "policy", "remove", "test", name}} {
			cmd := exec.Command(mc, append([]string{"--config-dir", dir, "--quiet", "--no-color"}, args...)...)
			cmd.Env = append(os.Environ(), "MC_HOST_test="+host)
			cmd.Run()
		}
	})
	return u
}
