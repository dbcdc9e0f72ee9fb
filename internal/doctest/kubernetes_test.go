package doctest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestKubernetesStepsSetTheImage: the steps that apply deploy/kubernetes set every variable
// they read, and apply the Deployment with the image they pushed in place of the example's
// registry.example.com, which no cluster can pull.
func TestKubernetesStepsSetTheImage(t *testing.T) {
	block := Block(t, "<!-- kubernetes-apply -->")
	if missing := undefined(block); len(missing) > 0 {
		t.Errorf("the Kubernetes steps read %v before setting them:\n%s", missing, block)
	}
	b, err := os.ReadFile(filepath.Join(Root(t), "deploy", "kubernetes", "deployment.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*image: (\S+)`).FindStringSubmatch(string(b))
	if m == nil {
		t.Fatal("deployment.yaml has no image: the test is stale")
	}
	placeholder := m[1]
	applied := false
	for _, line := range strings.Split(block, "\n") {
		if !strings.Contains(line, "deployment.yaml") || !strings.Contains(line, "kubectl apply") {
			continue
		}
		applied = true
		if !strings.Contains(line, "$IMAGE") {
			t.Errorf("%q applies the Deployment with its example image %s", line, placeholder)
		}
		// The line's own substitution must match the example's image line.
		if sub := regexp.MustCompile(`s\|([^|]+)\|`).FindStringSubmatch(line); sub != nil {
			if !regexp.MustCompile(sub[1]).MatchString("image: " + placeholder) {
				t.Errorf("%q: its pattern %q does not match the example's image line", line, sub[1])
			}
		}
	}
	if !applied {
		t.Errorf("the Kubernetes steps apply no deployment.yaml:\n%s", block)
	}
}
