package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestAutoConnCapFloor: a budget of bodies in flight or a memory limit that leaves the default
// connection cap under its floor (256) is refused at start, naming MAX_INFLIGHT_BYTES (96 MiB
// in 128 MiB left 128 connections, 128 MiB left 16, and 16 paced connections locked the server
// out); with MAX_CONNS set, the operator's cap holds and the server starts.
func TestAutoConnCapFloor(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		refused bool
	}{
		{"96 MiB in flight", []string{"MAX_INFLIGHT_BYTES=100663296"}, true},
		{"128 MiB in flight", []string{"MAX_INFLIGHT_BYTES=134217728"}, true},
		{"a 64 MiB memory limit", []string{"GOMEMLIMIT=64MiB"}, true},
		{"the defaults", nil, false},
		{"96 MiB in flight, MAX_CONNS set", []string{"MAX_INFLIGHT_BYTES=100663296", "MAX_CONNS=32"}, false},
		{"96 MiB in flight, 512 MiB of memory", []string{"MAX_INFLIGHT_BYTES=100663296", "GOMEMLIMIT=512MiB"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd, out, exited := launch(t, dir, tt.env, binary)
			select {
			case err := <-exited:
				switch {
				case !tt.refused:
					t.Errorf("%v: exit %v, %s; want it to start", tt.env, err, out)
				case err == nil || !strings.Contains(out.String(), "MAX_INFLIGHT_BYTES: leaves room for"):
					t.Errorf("%v: exit %v, %s; want a refusal naming MAX_INFLIGHT_BYTES", tt.env, err, out)
				}
			case <-out.configured:
				cmd.Process.Kill()
				<-exited
				if tt.refused {
					t.Errorf("%v: started; want a refusal naming MAX_INFLIGHT_BYTES", tt.env)
				}
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("%v: neither started nor refused in 10 s: %s", tt.env, out)
			}
		})
	}
}
