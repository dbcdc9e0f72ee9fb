package main

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestLinksOnlyWhatItRuns: the bootstrap, with the release's build tags, imports none of the
// packages testdata/forbidden-deps lists (the server's assembly, the HTTP server, the
// filesystem store, Prometheus), nor any package below them.
func TestLinksOnlyWhatItRuns(t *testing.T) {
	forbidden := forbiddenDeps(t)
	out, err := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list -deps listed %d packages, want the bootstrap's whole graph", len(deps))
	}
	for _, dep := range deps {
		for _, f := range forbidden {
			if dep == f || strings.HasPrefix(dep, f+"/") {
				t.Errorf("the Lambda bootstrap imports %s (forbidden: %s)", dep, f)
			}
		}
	}
	// The check itself: the server links what the Lambda must not, so a list that matched
	// nothing there would prove nothing here.
	out, err = exec.Command("go", "list", "-deps", "../s3-dropbox").Output()
	if err != nil {
		t.Fatalf("go list -deps ../s3-dropbox: %v", err)
	}
	server := "\n" + string(out)
	for _, f := range forbidden {
		if !strings.Contains(server, "\n"+f) {
			t.Errorf("the server imports nothing under %s: is the name right?", f)
		}
	}
}

// forbiddenDeps reads testdata/forbidden-deps: one package path a line, # comments.
func forbiddenDeps(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("testdata/forbidden-deps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	if err := sc.Err(); err != nil || len(out) == 0 {
		t.Fatalf("testdata/forbidden-deps: %v, %d entries", err, len(out))
	}
	return out
}
