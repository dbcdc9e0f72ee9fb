package deploy

import (
	"os"
	"testing"
)

// maxTemplateInS3 is the largest template CloudFormation takes from an S3 object (aws
// cloudformation deploy --s3-bucket uploads it there): 1 MB, read as 1,000,000 bytes. The
// documented deploys all name a bucket (TestDocumentedDeploysUploadTheTemplate), so the
// request's own limit, 51,200 bytes, does not bound the template.
const maxTemplateInS3 = 1_000_000

// TestTemplateFitsTheDocumentedDeploy: the template is within what the documented deploy
// commands can pass, an S3 object's limit.
func TestTemplateFitsTheDocumentedDeploy(t *testing.T) {
	info, err := os.Stat("template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if info.Size() > maxTemplateInS3 {
		t.Errorf("template.yaml is %d bytes, over the %d CloudFormation takes from S3: split it (nested stacks)", info.Size(), maxTemplateInS3)
	}
}
