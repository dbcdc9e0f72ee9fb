package deploy

import (
	"os"
	"regexp"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/internal/doctest"
)

// maxTemplateBody is the largest template CloudFormation takes in the request itself: a larger
// one must be uploaded to S3 first (aws cloudformation deploy --s3-bucket).
const maxTemplateBody = 51200

// TestTemplateFitsTheDocumentedDeploy: the documented deploy commands pass the template
// itself (--template-file without --s3-bucket), which CloudFormation refuses past 51,200
// bytes; the template stays within it, or every such command must name a bucket.
func TestTemplateFitsTheDocumentedDeploy(t *testing.T) {
	info, err := os.Stat("template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	commands := doctest.MatchAll(t, regexp.MustCompile(`aws cloudformation deploy(?:[^\n\\]|\\[^\n]|\\\n)*`))
	if len(commands) == 0 {
		t.Fatal("no documented aws cloudformation deploy: the test is stale")
	}
	if info.Size() <= maxTemplateBody {
		return
	}
	for _, c := range commands {
		if !regexp.MustCompile(`--template-file\b`).MatchString(c[0]) {
			continue // the command named in prose
		}
		if !regexp.MustCompile(`--s3-bucket\b`).MatchString(c[0]) {
			t.Errorf("template.yaml is %d bytes, over the %d CloudFormation takes inline, and this documented command names no --s3-bucket:\n%s", info.Size(), maxTemplateBody, c[0])
		}
	}
}
