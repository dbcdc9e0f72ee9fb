package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// DeployFiles are the files a release carries beside the zips, by their name in the release:
// the stack, and for a server the Prometheus rules (with their unit tests, which name the
// rules by this file name) and the Grafana dashboard.
var DeployFiles = map[string]string{
	"s3-dropbox-template.yaml":  "deploy/template.yaml",
	"s3-dropbox.rules.yml":      "deploy/prometheus/s3-dropbox.rules.yml",
	"s3-dropbox.rules.test.yml": "deploy/prometheus/s3-dropbox.rules.test.yml",
	"s3-dropbox.grafana.json":   "deploy/prometheus/s3-dropbox.grafana.json",
}

// copyDeploy copies DeployFiles into dist, as they are in the source.
func copyDeploy(dist string, out io.Writer) error {
	for name, src := range DeployFiles {
		b, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		path := filepath.Join(dist, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: %d bytes (%s)\n", path, len(b), src)
	}
	return nil
}
