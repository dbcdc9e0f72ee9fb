package e2e

import (
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestSettingsThatCannotWork: settings that could never serve are refused at start,
// naming the variable and never the value: a connection cap that queues every client behind
// one drop, and a metrics listener on the drop listener's own address (which failed, but
// naming the address, not the variable).
func TestSettingsThatCannotWork(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"one connection", []string{"MAX_CONNS=1"}, "MAX_CONNS: must be 0 (what memory allows) or at least 8"},
		{"seven connections", []string{"MAX_CONNS=7"}, "MAX_CONNS: must be 0 (what memory allows) or at least 8"},
		{"metrics on ADDR", []string{"ADDR=" + addr, "METRICS_ADDR=" + addr}, "METRICS_ADDR: must not be the drop listener's address"},
		{"metrics on PORT", []string{"ADDR=", "PORT=" + port, "METRICS_ADDR=127.0.0.1:" + port}, "METRICS_ADDR: must not be the drop listener's address"},
		{"metrics on every address of ADDR's port", []string{"ADDR=" + addr, "METRICS_ADDR=:" + port}, "METRICS_ADDR: must not be the drop listener's address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(binary)
			cmd.Env = append(fsEnv(dir, tt.env...), "HOME="+dir)
			cmd.WaitDelay = 5 * time.Second
			timer := time.AfterFunc(10*time.Second, func() { cmd.Process.Kill() })
			defer timer.Stop()
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), tt.want) || strings.Contains(string(out), port) {
				t.Errorf("%v: %v, %s; want a refusal at start with %q, without the value", tt.env, err, out, tt.want)
			}
		})
	}
}
