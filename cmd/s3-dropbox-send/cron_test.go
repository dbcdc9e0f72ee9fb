package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/internal/doctest"
)

// TestCronLineLosesNoFile: the documentation's crontab line (docs/sending.md), run as printed with sh (the
// folders and the command's path replaced by the test's), against a server during whose
// first drop a new report lands in the spool folder: that report is not removed unsent (the
// line's `rm -f *.json`, expanded after the send, removed it).
func TestCronLineLosesNoFile(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped: builds the command (-short)")
	}
	m, _ := doctest.Match(t, regexp.MustCompile(`(?m)^\*/5 \* \* \* \* (.+)$`))
	if m == nil {
		t.Fatal("the documentation has no crontab line: the test is stale")
	}
	dir := t.TempDir()
	bin := buildCommand(t)
	spool := filepath.Join(dir, "spool")
	os.Mkdir(spool, 0o700)
	token := filepath.Join(dir, "token")
	os.WriteFile(token, []byte(facetest.AuthToken+"\n"), 0o600)
	os.WriteFile(filepath.Join(spool, "first.json"), []byte(`{"n":1}`), 0o600)

	var mu sync.Mutex
	var stored []string
	var once sync.Once
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		body := make([]byte, 64)
		n, _ := r.Body.Read(body)
		mu.Lock()
		stored = append(stored, string(body[:n]))
		mu.Unlock()
		once.Do(func() { os.WriteFile(filepath.Join(spool, "late.json"), []byte(`{"n":2}`), 0o600) })
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)

	line := strings.NewReplacer("/var/spool/reports", spool, "/etc/s3-dropbox/token", token,
		"/var/log/s3-dropbox-send.log", filepath.Join(dir, "log"), "s3-dropbox-send ", bin+" ").Replace(m[1])
	cmd := exec.Command("sh", "-c", line)
	cmd.Env = append(os.Environ(), "S3_DROPBOX_URL="+srv.URL+"/v1/drop")
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		t.Fatalf("%s: %v\n%s\n%s", line, err, out, log)
	}
	mu.Lock()
	defer mu.Unlock()
	sentLate := strings.Contains(strings.Join(stored, ","), `{"n":2}`)
	_, err := os.Stat(filepath.Join(spool, "late.json"))
	if !sentLate && err != nil {
		t.Errorf("the report that landed during the send was removed unsent (%d request(s), stored %q)", requests.Load(), stored)
	}
}
