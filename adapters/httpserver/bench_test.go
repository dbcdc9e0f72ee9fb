package httpserver_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/fsstore"
	"github.com/s3-dropbox/s3-dropbox/adapters/memstore"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

var sizes = []struct {
	name string
	n    int
}{{"1KB", 1024}, {"10KB", 10240}}

func dropRequest(url string, payload []byte) *http.Request {
	r, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(payload))
	r.Header.Set(facetest.CDNHeader, "Bearer "+facetest.CDNToken)
	r.Header.Set("Authorization", "Bearer "+facetest.AuthToken)
	return r
}

// BenchmarkServer drops through a real server on loopback, with keep-alive clients in
// parallel, into the memory and the filesystem stores. It reports requests per second; its
// allocations include the client's.
//
//	go test -run '^$' -bench BenchmarkServer -benchmem -count 6 ./adapters/httpserver/
func BenchmarkServer(b *testing.B) {
	stores := []struct {
		name string
		new  func(b *testing.B) ports.ObjectStore
	}{
		{"memory", func(b *testing.B) ports.ObjectStore { return memstore.New() }},
		{"filesystem", func(b *testing.B) ports.ObjectStore {
			s, err := fsstore.New(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			return s
		}},
	}
	for _, st := range stores {
		for _, size := range sizes {
			b.Run(st.name+"/"+size.name, func(b *testing.B) {
				srv := httptest.NewServer(newHandler(b, st.new(b)))
				defer srv.Close()
				payload := bytes.Repeat([]byte("x"), size.n)
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
				b.SetBytes(int64(size.n))
				b.ReportAllocs()
				b.SetParallelism(4)
				start := time.Now()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						resp, err := client.Do(dropRequest(srv.URL, payload))
						if err != nil {
							b.Error(err)
							return
						}
						resp.Body.Close()
						if resp.StatusCode != 202 {
							b.Errorf("status %d", resp.StatusCode)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
			})
		}
	}
}

// BenchmarkHandler is one drop through the handler and the core into memory, without the
// network: the adapter's own cost and allocations per drop.
func BenchmarkHandler(b *testing.B) {
	for _, size := range sizes {
		b.Run(size.name, func(b *testing.B) {
			h := newHandler(b, memstore.New())
			payload := bytes.Repeat([]byte("x"), size.n)
			b.SetBytes(int64(size.n))
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, "/v1/drop", bytes.NewReader(payload))
				r.Header.Set(facetest.CDNHeader, "Bearer "+facetest.CDNToken)
				r.Header.Set("Authorization", "Bearer "+facetest.AuthToken)
				r.Header.Set("Content-Length", strconv.Itoa(size.n))
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != 202 {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
