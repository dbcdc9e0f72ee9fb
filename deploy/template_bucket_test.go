package deploy

import (
	"regexp"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/internal/doctest"
)

// TestDocumentedDeploysUploadTheTemplate: every documented aws cloudformation deploy of the
// template uploads it through the artifacts bucket (--s3-bucket "$ARTIFACTS"), whatever its
// size, and the document that shows it sets ARTIFACTS before it, so that a copied command
// works once the template outgrows the 51,200 bytes CloudFormation takes in a request.
func TestDocumentedDeploysUploadTheTemplate(t *testing.T) {
	command := regexp.MustCompile(`aws cloudformation deploy(?:[^\n\\]|\\[^\n]|\\\n)*`)
	setsArtifacts := regexp.MustCompile(`(?m)^(?:export )?ARTIFACTS=`)
	seen := 0
	for _, d := range doctest.All(t) {
		for _, at := range command.FindAllStringIndex(d.Text, -1) {
			c := d.Text[at[0]:at[1]]
			if !strings.Contains(c, "--template-file") {
				continue // named in prose
			}
			seen++
			if !strings.Contains(c, `--s3-bucket "$ARTIFACTS"`) {
				t.Errorf("%s: this deploy passes the template in the request (no --s3-bucket \"$ARTIFACTS\"):\n%s", d.Path, c)
			}
			if loc := setsArtifacts.FindStringIndex(d.Text); loc == nil || loc[0] > at[0] {
				t.Errorf("%s: this deploy names $ARTIFACTS, which the page does not set before it:\n%s", d.Path, c)
			}
		}
	}
	if seen == 0 {
		t.Fatal("no documented aws cloudformation deploy --template-file: the test is stale")
	}
}
