package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// TestOneDropPath: the server, configured and in dev mode, stores a drop POSTed to its drop
// path alone: with valid tokens, POST /v1/drops, POST / and POST /healthz are 404 and store
// nothing, and the log line of each carries its path. Dev mode's banner names DROP_PATH.
func TestOneDropPath(t *testing.T) {
	dir := t.TempDir()
	configured, _ := start(t, dir, fsEnv(dir))
	dev, devDir, devURL, auth, cdn := devServer(t, "DROP_PATH=/in/box")
	if !strings.HasSuffix(devURL, "/in/box") {
		t.Errorf("dev mode's curl URL %s, want one to DROP_PATH", devURL)
	}
	servers := []struct {
		name, base, dropPath, dir, auth, cdn string
		p                                    *process
	}{
		{"configured", "http://" + logged(t, configured, "addr"), "/v1/drop", dir, "", "", configured},
		{"dev", strings.TrimSuffix(devURL, "/in/box"), "/in/box", devDir, auth, cdn, dev},
	}
	for _, s := range servers {
		for _, path := range []string{"/v1/drops", "/", "/healthz", "/v1/drop/", s.dropPath + "/"} {
			status, body := dropWith(t, s.base+path, s.auth, s.cdn)
			if want := "Not found: drops are POSTed to " + s.dropPath + " (nothing was stored)"; status != 404 || body != want {
				t.Errorf("%s: POST %s = %d %q, want 404 %q", s.name, path, status, body, want)
			}
		}
		if n := len(files(t, s.dir)); n != 0 {
			t.Errorf("%s: %d drops stored by requests to other paths, want 0", s.name, n)
		}
		if status, _ := dropWith(t, s.base+s.dropPath, s.auth, s.cdn); status != 202 {
			t.Errorf("%s: POST %s = %d, want 202", s.name, s.dropPath, status)
		}
		if n := len(files(t, s.dir)); n != 1 {
			t.Errorf("%s: %d drops stored, want 1", s.name, n)
		}
		waitFor(t, s.p.stdout.logged(`"path":"`+s.dropPath+`"`), "the drop's line with its path")
		if !strings.Contains(s.p.stdout.String(), `"path":"/v1/drops"`) {
			t.Errorf("%s: no line with the path /v1/drops:\n%s", s.name, s.p.stdout)
		}
	}
}

// TestProbesOnTheMetricsListener: with METRICS_ADDR, /healthz and /readyz are served on the
// metrics listener too, where an attack that fills the drop listener cannot fail them.
func TestProbesOnTheMetricsListener(t *testing.T) {
	dir := t.TempDir()
	p, _ := start(t, dir, fsEnv(dir, "METRICS_ADDR=127.0.0.1:0"))
	metrics := "http://" + logged(t, p, "metrics_addr")
	client := &http.Client{Timeout: 10 * time.Second}
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		resp, err := client.Get(metrics + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s on the metrics listener = %d, want 200", path, resp.StatusCode)
		}
	}
}

// dropWith POSTs a payload to url with the tokens given, the test's when empty, and returns
// the answer's status and body.
func dropWith(t *testing.T, url, auth, cdn string) (int, string) {
	t.Helper()
	if auth == "" {
		auth, cdn = facetest.AuthToken, facetest.CDNToken
	}
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader("payload"))
	req.Header.Set("Authorization", "Bearer "+auth)
	req.Header.Set(facetest.CDNHeader, "Bearer "+cdn)
	resp, err := fresh().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
