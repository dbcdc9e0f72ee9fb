//go:build linux || darwin

package fsstore_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s3-dropbox/s3-dropbox/adapters/fsstore"
	"github.com/s3-dropbox/s3-dropbox/internal/naivewrite"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// drive runs write from clients goroutines until n writes are done, and returns the writes
// per second.
func drive(b *testing.B, clients, n int, write func(i int) error) float64 {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1))
				if i > n {
					return
				}
				if err := write(i); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

// BenchmarkDurableWrite compares, in the same process and on the same disk, 64 concurrent
// clients writing 1 KiB drops through the store (the file synced with its attributes, a link,
// the folder's fsync shared by the writers of the moment) and through the naive durable write.
// It alternates the two over rounds and reports each one's writes per second and the ratio
// store/naive (the goal: at least 1).
//
//	go test -run '^$' -bench DurableWrite -benchtime 1x -count 6 ./adapters/fsstore/
func BenchmarkDurableWrite(b *testing.B) {
	const clients, writes, rounds = 64, 1000, 3
	data := make([]byte, 1024)
	var storeRates, naiveRates []float64
	for b.Loop() {
		for r := range rounds {
			dir := b.TempDir()
			naiveDir := filepath.Join(dir, "naive")
			os.Mkdir(naiveDir, 0o700)
			naiveRates = append(naiveRates, drive(b, clients, writes, func(i int) error {
				return naivewrite.Write(naiveDir, fmt.Sprintf("drop-%d-%d", r, i), data)
			}))
			s, err := fsstore.New(filepath.Join(dir, "store"))
			if err != nil {
				b.Fatal(err)
			}
			storeRates = append(storeRates, drive(b, clients, writes, func(i int) error {
				return s.Create(context.Background(), ports.Object{Key: fmt.Sprintf("drop-%d-%d", r, i), Data: data,
					ContentType: "application/octet-stream", Client: "bench", SHA256: sha256.Sum256(data)})
			}))
			s.Close()
		}
	}
	store, naive := median(storeRates), median(naiveRates)
	b.ReportMetric(store, "store-writes/s")
	b.ReportMetric(naive, "naive-writes/s")
	b.ReportMetric(store/naive, "store/naive")
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

// BenchmarkCreate is one durable write through the store, one writer: its time (an fsync of
// the file and one of the folder) and its allocations.
func BenchmarkCreate(b *testing.B) {
	s, err := fsstore.New(filepath.Join(b.TempDir(), "drops"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	data := make([]byte, 1024)
	sum := sha256.Sum256(data)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if err := s.Create(context.Background(), ports.Object{Key: fmt.Sprintf("drop-%d", i), Data: data,
			ContentType: "application/octet-stream", Client: "bench", SHA256: sum}); err != nil {
			b.Fatal(err)
		}
	}
}
