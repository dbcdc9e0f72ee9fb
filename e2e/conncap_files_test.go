package e2e

import (
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestAutoConnCapFloorByFiles: a limit on open files that leaves the default connection cap
// (half of it) under its floor (256) is warned of at start, naming the limit and the cap (a
// hard limit of 100 left 50 connections, silently); the server starts (TestIdleConnections-
// CannotLockOut runs it under 256). With MAX_CONNS set, or a limit of 512, no warning.
func TestAutoConnCapFloorByFiles(t *testing.T) {
	if _, err := exec.LookPath("prlimit"); err != nil {
		t.Skip("skipped: needs prlimit (util-linux)")
	}
	tests := []struct {
		name   string
		nofile string
		env    []string
		warned bool
	}{
		{"100 files", "100", nil, true},
		{"400 files", "400", nil, true},
		{"512 files", "512", nil, false},
		{"100 files, MAX_CONNS set", "100", []string{"MAX_CONNS=32"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd, out, exited := launch(t, dir, tt.env, "prlimit", "--nofile="+tt.nofile+":"+tt.nofile, binary)
			select {
			case err := <-exited:
				t.Errorf("nofile %s, %v: exit %v, %s; want it to start", tt.nofile, tt.env, err, out)
			case <-out.configured:
				// the warning is written before the listener serves: once a probe is answered,
				// it is there if it ever will be
				warning := `"rlimit_nofile":` + tt.nofile
				addr := regexp.MustCompile(`"addr":"([^"]*)"`).FindStringSubmatch(out.String())
				if addr == nil {
					t.Fatalf("no addr in %s", out)
				}
				resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr[1] + "/healthz")
				if err != nil {
					t.Fatalf("probe: %v", err)
				}
				resp.Body.Close()
				cmd.Process.Kill()
				<-exited
				if got := strings.Contains(out.String(), warning) && strings.Contains(out.String(), "the limit on open files leaves the connection cap under its floor"); got != tt.warned {
					t.Errorf("nofile %s, %v: warned %v, want %v: %s", tt.nofile, tt.env, got, tt.warned, out)
				}
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("nofile %s: neither started nor refused in 10 s: %s", tt.nofile, out)
			}
		})
	}
}
