package doctest

import (
	"strings"
	"testing"
)

// TestSwapStepsGrantTheRecordReads: the steps that swap the code into the original's function
// set every variable they read, and grant what the sender's keyed drops need beyond the
// original's role (s3:GetObject on the records, s3:ListBucket), rather than saying the role
// stays as it is.
func TestSwapStepsGrantTheRecordReads(t *testing.T) {
	block := Block(t, "<!-- migrate-swap -->")
	if !strings.Contains(block, "update-function-code") {
		t.Fatalf("the swap steps update no code: the test is stale\n%s", block)
	}
	if missing := undefined(block); len(missing) > 0 {
		t.Errorf("the swap steps read %v before setting them:\n%s", missing, block)
	}
	for _, want := range []string{"aws iam put-role-policy", "s3:GetObject", "/.idempotency/*", "s3:ListBucket"} {
		if !strings.Contains(block, want) {
			t.Errorf("the swap steps do not hold %q: the original's role answers every keyed retry 500\n%s", want, block)
		}
	}
}
