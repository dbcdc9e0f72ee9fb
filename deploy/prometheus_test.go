package deploy

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/s3-dropbox/s3-dropbox/contract"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/internal/buildtest"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// exported holds what a live server's /metrics shows: the sample names (a histogram's
// _bucket, _sum and _count) and the label names.
type exported struct {
	names, labels map[string]bool
}

// liveMetrics builds the server, runs it on loopback with the filesystem store and its
// metrics listener, drops one payload and sends one with a wrong token (so that the counters
// made at their first count are there), and reads its /metrics.
func liveMetrics(t *testing.T) exported {
	t.Helper()
	dir := t.TempDir()
	bin := buildtest.Command(t, buildtest.Module+"/cmd/s3-dropbox")
	auth, err := domain.NewClientToken(nil)
	if err != nil {
		t.Fatal(err)
	}
	cdn, err := domain.NewClientToken(nil)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "STORAGE=filesystem", "STORAGE_DIR=" + filepath.Join(dir, "drops"),
		"AUTH_TOKEN=" + domain.TokenDigest(auth), "CDN_TOKEN=" + domain.TokenDigest(cdn), "CDN_TOKEN_HTTP_HEADER_NAME=x-cdn-authorization",
		"ADDR=127.0.0.1:0", "METRICS_ADDR=127.0.0.1:0", "DRAIN=0s", "MAX_UPLOAD_BYTES=1048576",
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	type listening struct{ Addr, MetricsAddr string }
	configured := make(chan listening, 1)
	go func() {
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			var l struct {
				Msg         string `json:"msg"`
				Addr        string `json:"addr"`
				MetricsAddr string `json:"metrics_addr"`
			}
			if json.Unmarshal(lines.Bytes(), &l) == nil && l.Msg == "configured" {
				configured <- listening{l.Addr, l.MetricsAddr}
			}
		}
		io.Copy(io.Discard, stdout)
		close(configured)
	}()
	var at listening
	select {
	case l, ok := <-configured:
		if !ok {
			t.Fatal("the server stopped before it was configured")
		}
		at = l
	case <-time.After(30 * time.Second):
		t.Fatal("the server was not configured after 30 s")
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, token := range []string{auth, "wrong"} {
		req, _ := http.NewRequest(http.MethodPost, "http://"+at.Addr+"/v1/drop", strings.NewReader("hello, dropbox"))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("X-CDN-Authorization", "Bearer "+cdn)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := map[bool]int{true: http.StatusAccepted, false: http.StatusUnauthorized}[token == auth]; resp.StatusCode != want {
			t.Fatalf("drop: %d, want %d", resp.StatusCode, want)
		}
	}
	// An upload of 5 bytes: its creation and its PATCH, counted as uploads.
	location := ""
	for _, method := range []string{http.MethodPost, http.MethodPatch} {
		url, body := "http://"+at.Addr+"/v1/uploads", io.Reader(nil)
		if method == http.MethodPatch {
			url, body = "http://"+at.Addr+location, strings.NewReader("hello")
		}
		req, _ := http.NewRequest(method, url, body)
		req.Header.Set("Authorization", "Bearer "+auth)
		req.Header.Set("X-CDN-Authorization", "Bearer "+cdn)
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Upload-Length", "5")
		req.Header.Set("Upload-Offset", "0")
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := map[string]int{http.MethodPost: http.StatusCreated, http.MethodPatch: http.StatusNoContent}[method]; resp.StatusCode != want {
			t.Fatalf("upload %s: %d, want %d", method, resp.StatusCode, want)
		}
		location = resp.Header.Get("Location")
	}
	resp, err := client.Get("http://" + at.MetricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d, %v", resp.StatusCode, err)
	}
	return parseExposition(string(body))
}

var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? `)
var labelName = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="`)

// parseExposition reads Prometheus's text format: sample names and label names.
func parseExposition(text string) exported {
	e := exported{names: map[string]bool{}, labels: map[string]bool{}}
	for line := range strings.Lines(text) {
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		e.names[m[1]] = true
		for _, l := range labelName.FindAllStringSubmatch(m[2], -1) {
			e.labels[l[1]] = true
		}
	}
	return e
}

// promql are the functions, aggregations and keywords the rules and the dashboard may use,
// and Grafana's label_values.
var promql = []string{
	"sum", "min", "max", "avg", "count", "rate", "irate", "increase", "histogram_quantile", "count_over_time",
	"changes", "absent", "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
	"offset", "bool", "label_values",
}

// Prometheus's own target labels and series, and the blackbox exporter's probe result.
var (
	targetLabels = []string{"job", "instance"}
	up           = "up"
	probeSuccess = "probe_success"
)

var (
	quoted     = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	ranges     = regexp.MustCompile(`\[[^\]]*\]`)
	grafanaVar = regexp.MustCompile(`\$\{?\w+\}?`)
	identifier = regexp.MustCompile(`(?:^|[^\w:.])([A-Za-z_:][\w:]*)`)
	matcher    = regexp.MustCompile(`(\w+)\s*(?:=~|!~|!=|=)\s*"([^"]*)"`)
)

// identifiers returns the names a PromQL expression uses: metric names, label names,
// functions and keywords (not label values, durations or Grafana variables).
func identifiers(expr string) []string {
	expr = quoted.ReplaceAllString(expr, `""`)
	expr = ranges.ReplaceAllString(expr, "")
	expr = grafanaVar.ReplaceAllString(expr, "")
	var out []string
	for _, m := range identifier.FindAllStringSubmatch(expr, -1) {
		out = append(out, m[1])
	}
	return out
}

// checkNames fails for each name in expr that is not a PromQL word, a label the metrics have,
// or one of names.
func checkNames(t *testing.T, where, expr string, live exported, names ...string) {
	t.Helper()
	for _, id := range identifiers(expr) {
		if !slices.Contains(promql, id) && !live.labels[id] && !slices.Contains(targetLabels, id) &&
			!live.names[id] && !slices.Contains(names, id) {
			t.Errorf("%s names %q: not a metric the server exports, nor a label or PromQL word", where, id)
		}
	}
}

// outcomes are the values of the outcome label, as httpface.Outcome names them.
func outcomes() []string {
	var out []string
	for _, o := range []contract.Outcome{
		httpface.Outcome(ports.DropResult{}, nil),
		httpface.Outcome(ports.DropResult{Replayed: true}, nil),
		httpface.Outcome(ports.DropResult{}, &domain.Error{Code: domain.EUnauthorizedAuth}),
		httpface.Outcome(ports.DropResult{}, &domain.Error{Code: domain.EStorage}),
		httpface.Outcome(ports.DropResult{}, &domain.Error{Code: domain.EStorageUnknown}),
	} {
		out = append(out, string(o))
	}
	return out
}

// checkMatchers fails for a label matcher whose values the server never gives that label
// (outcome, reason) or that no scrape job has (job); it returns the reasons matched.
func checkMatchers(t *testing.T, where, expr string, jobs []string) []string {
	t.Helper()
	var reasons []string
	for _, m := range matcher.FindAllStringSubmatch(expr, -1) {
		var known []string
		switch m[1] {
		case "outcome":
			known = outcomes()
		case "reason":
			known = codes
		case "job":
			known = jobs
		default:
			continue
		}
		for _, v := range strings.Split(m[2], "|") {
			if !slices.Contains(known, v) {
				t.Errorf("%s matches %s=%q: not one of %v", where, m[1], v, known)
			}
			if m[1] == "reason" {
				reasons = append(reasons, v)
			}
		}
	}
	return reasons
}

type ruleFile struct {
	Groups []struct {
		Name  string
		Rules []struct {
			Record, Alert, Expr string
		}
	}
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// scrapeJobs returns the job names of the example configuration.
func scrapeJobs(t *testing.T) []string {
	t.Helper()
	var cfg struct {
		RuleFiles     []string `yaml:"rule_files"`
		ScrapeConfigs []struct {
			JobName string `yaml:"job_name"`
		} `yaml:"scrape_configs"`
	}
	readYAML(t, "prometheus/prometheus.yml", &cfg)
	if !slices.Equal(cfg.RuleFiles, []string{"s3-dropbox.rules.yml"}) {
		t.Errorf("the example configuration loads %v, want the rules", cfg.RuleFiles)
	}
	var jobs []string
	for _, s := range cfg.ScrapeConfigs {
		jobs = append(jobs, s.JobName)
	}
	return jobs
}

// TestPrometheusNamesExported: the Grafana dashboard's queries, and the alerting rules', name
// only metrics that a live server's /metrics shows (the rules also Prometheus's own up, and
// the blackbox exporter's probe_success for /readyz), label values the server gives, and the
// example configuration's jobs; every reason the server answers with a 5xx is watched by an
// alert.
func TestPrometheusNamesExported(t *testing.T) {
	live := liveMetrics(t)
	for _, want := range []string{"s3dropbox_drops_total", "s3dropbox_payload_bytes_bucket", "s3dropbox_storage_duration_seconds_bucket", "process_open_fds",
		"s3dropbox_upload_requests_total", "s3dropbox_upload_bytes_total", "s3dropbox_upload_request_duration_seconds_bucket"} {
		if !live.names[want] {
			t.Fatalf("the live /metrics has no %s: %v", want, live.names)
		}
	}
	jobs := scrapeJobs(t)

	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
		Templating struct {
			List []struct {
				Name  string
				Query any
			}
		}
	}
	b, err := os.ReadFile("prometheus/s3-dropbox.grafana.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	queries := 0
	for _, p := range dash.Panels {
		for _, q := range p.Targets {
			queries++
			checkNames(t, "panel "+p.Title, q.Expr, live)
			checkMatchers(t, "panel "+p.Title, q.Expr, jobs)
		}
	}
	for _, v := range dash.Templating.List {
		if q, ok := v.Query.(map[string]any); ok {
			queries++
			checkNames(t, "variable "+v.Name, q["query"].(string), live)
		}
	}
	if queries < 10 {
		t.Errorf("%d queries in the dashboard; the test read none of them?", queries)
	}

	var rules ruleFile
	readYAML(t, "prometheus/s3-dropbox.rules.yml", &rules)
	var recorded []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				recorded = append(recorded, r.Record)
			}
		}
	}
	watched := map[string]bool{}
	alerts := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			where := "rule " + r.Alert + r.Record
			checkNames(t, where, r.Expr, live, slices.Concat(recorded, []string{up, probeSuccess})...)
			reasons := checkMatchers(t, where, r.Expr, jobs)
			if r.Alert != "" {
				alerts++
				for _, reason := range reasons {
					watched[reason] = true
				}
			}
		}
	}
	if alerts == 0 {
		t.Fatal("no alert read")
	}
	for _, code := range codes {
		if httpface.Status(code) >= 500 && !watched[code] {
			t.Errorf("reason %s (%d) is watched by no alert", code, httpface.Status(code))
		}
	}
}

// TestIdentifiers: the names a query uses, without label values, durations and variables.
func TestIdentifiers(t *testing.T) {
	for _, tt := range []struct {
		expr string
		want []string
	}{
		{`sum by (outcome) (rate(s3dropbox_drops_total{instance=~"$instance"}[$__rate_interval]))`,
			[]string{"sum", "by", "outcome", "rate", "s3dropbox_drops_total", "instance"}},
		{`histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m]))) > 1e3`, []string{"histogram_quantile", "sum", "by", "le", "rate", "x_bucket"}},
		{`a unless a offset 5m and on (job) (up offset 5m)`, []string{"a", "unless", "a", "offset", "and", "on", "job", "up", "offset"}},
		{`count_over_time((r:x:y{reason="a b|c"} >= 1)[30m:5m])`, []string{"count_over_time", "r:x:y", "reason"}},
	} {
		if got := identifiers(tt.expr); !slices.Equal(got, tt.want) {
			t.Errorf("identifiers(%q) = %q, want %q", tt.expr, got, tt.want)
		}
	}
}
