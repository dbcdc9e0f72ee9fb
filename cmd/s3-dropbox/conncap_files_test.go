package main

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestAutoConnCapFloorByFiles: a limit on open files that leaves the default connection cap
// (half of it) under its floor (256) is refused at start, naming the limit (a hard limit of 100
// left 50 connections, silently); with MAX_CONNS set, the operator's cap holds and the server
// starts; a limit of 512 leaves 256 and starts.
func TestAutoConnCapFloorByFiles(t *testing.T) {
	if _, err := exec.LookPath("prlimit"); err != nil {
		t.Skip("skipped: needs prlimit (util-linux)")
	}
	tests := []struct {
		name    string
		nofile  string
		env     []string
		refused bool
	}{
		{"100 files", "100", nil, true},
		{"400 files", "400", nil, true},
		{"512 files", "512", nil, false},
		{"100 files, MAX_CONNS set", "100", []string{"MAX_CONNS=32"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command("prlimit", "--nofile="+tt.nofile+":"+tt.nofile, binary)
			cmd.Env = append(fsEnv(dir, tt.env...), "HOME="+dir, "DRAIN=0s")
			out := &output{configured: make(chan struct{})}
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case err := <-exited:
				switch {
				case !tt.refused:
					t.Errorf("nofile %s, %v: exit %v, %s; want it to start", tt.nofile, tt.env, err, out)
				case err == nil || !strings.Contains(out.String(), "the limit on open files (RLIMIT_NOFILE, "+tt.nofile+")"):
					t.Errorf("nofile %s: exit %v, %s; want a refusal naming the limit on open files", tt.nofile, err, out)
				}
			case <-out.configured:
				cmd.Process.Kill()
				<-exited
				if tt.refused {
					t.Errorf("nofile %s: started (%s); want a refusal naming the limit on open files", tt.nofile, out)
				}
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("nofile %s: neither started nor refused in 10 s: %s", tt.nofile, out)
			}
		})
	}
}
