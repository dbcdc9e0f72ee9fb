package main

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/internal/doctest"
)

// readmeSizes is the documentation's statement of the arm64 sizes, ranges in MB (10⁶ bytes).
var readmeSizes = regexp.MustCompile(`arm64 zip ([0-9.]+) to ([0-9.]+) MB, its bootstrap ([0-9.]+) to ([0-9.]+) MB`)

// releaseOutput is what run prints of the zip it built.
var releaseOutput = regexp.MustCompile(`s3-dropbox-lambda-arm64\.zip: ([0-9]+) bytes \(bootstrap ([0-9]+) bytes`)

// checkREADMESizes fails the test when the sizes in out (run's output, from the module's
// root) leave the ranges the documentation states, so that it cannot go stale.
func checkREADMESizes(t *testing.T, out string) {
	t.Helper()
	want, doc := doctest.Match(t, readmeSizes)
	got := releaseOutput.FindStringSubmatch(out)
	if want == nil || got == nil {
		t.Fatalf("the documentation states no arm64 sizes (%q), or the output %q none", readmeSizes, out)
	}
	for i, what := range []string{"zip", "bootstrap"} {
		size, _ := strconv.ParseFloat(got[1+i], 64)
		lo, _ := strconv.ParseFloat(want[1+2*i], 64)
		hi, _ := strconv.ParseFloat(want[2+2*i], 64)
		if mb := size / 1e6; mb < lo || mb > hi {
			t.Errorf("the arm64 %s is %.2f MB, outside the %v to %v MB of %s: measure with go run ./scripts/release -arch all and update it", what, mb, lo, hi, doc)
		}
	}
}
