package miniotest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
)

// TestFaultProxy: each fault reaches the target or not, and answers, as it says; the Host
// header is kept; a target that is down is a 502.
func TestFaultProxy(t *testing.T) {
	var got atomic.Int32
	var host atomic.Value
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		host.Store(r.Host)
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("ETag", `"t"`)
		w.Write(b)
	}))
	defer target.Close()
	var fault atomic.Int32
	proxy := miniotest.NewFaultProxy(t, target.URL, func(*http.Request) miniotest.Fault { return miniotest.Fault(fault.Load()) })

	tests := []struct {
		fault     miniotest.Fault
		forwarded bool
		status    int // 0: no answer
		body      string
	}{
		{miniotest.Pass, true, 200, "data"},
		{miniotest.LostBefore, false, 0, ""},
		{miniotest.LostAfter, true, 0, ""},
		{miniotest.ResetBefore, false, 0, ""},
		{miniotest.ResetAfter, true, 0, ""},
		{miniotest.Error500Before, false, 500, "InternalError"},
		{miniotest.Error500After, true, 500, "InternalError"},
		{miniotest.SlowDown, false, 503, "SlowDown"},
		{miniotest.Conflict, false, 409, "ConditionalRequestConflict"},
	}
	for _, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			fault.Store(int32(tt.fault))
			before := got.Load()
			client := &http.Client{Transport: &http.Transport{}}
			req, _ := http.NewRequest(http.MethodPut, proxy.URL+"/bucket/key", strings.NewReader("data"))
			resp, err := client.Do(req)
			status, body := 0, ""
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				status, body = resp.StatusCode, string(b)
			}
			if status != tt.status || !strings.Contains(body, tt.body) {
				t.Errorf("got %d %q (%v), want %d with %q", status, body, err, tt.status, tt.body)
			}
			if forwarded := got.Load() > before; forwarded != tt.forwarded {
				t.Errorf("forwarded %v, want %v", forwarded, tt.forwarded)
			}
		})
	}
	if h, _ := host.Load().(string); h != strings.TrimPrefix(proxy.URL, "http://") {
		t.Errorf("the target saw Host %q, want the proxy's %q", h, strings.TrimPrefix(proxy.URL, "http://"))
	}
	if n := proxy.Counts()[miniotest.Pass]; n != 1 {
		t.Errorf("%d requests passed, want 1", n)
	}

	fault.Store(int32(miniotest.Pass))
	proxy.SetTarget("http://" + porttest.FreeAddr(t))
	resp, err := http.Post(proxy.URL+"/bucket/key", "text/plain", strings.NewReader("data"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("target down: %d, want 502", resp.StatusCode)
	}
}
