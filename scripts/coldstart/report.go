package main

import (
	"encoding/json"
	"fmt"
	"io"
)

// report prints the measurements as text, or as one JSON object a line with a "kind" of
// "size", "run", "summary" or "ratio". It keeps the first write error.
type report struct {
	w    io.Writer
	json bool
	err  error
}

// mb is a megabyte, as the documentation counts sizes.
const mb = 1e6

func (p *report) printf(format string, a ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, a...)
	}
}

func (p *report) emit(v any) {
	b, err := json.Marshal(v)
	if err != nil && p.err == nil {
		p.err = err
	}
	p.printf("%s\n", b)
}

// size reports a stripped bootstrap's size for linux/arch.
func (p *report) size(name, arch string, bytes int64) {
	if p.json {
		p.emit(struct {
			Kind      string `json:"kind"`
			Bootstrap string `json:"bootstrap"`
			OS        string `json:"os"`
			Arch      string `json:"arch"`
			Bytes     int64  `json:"bytes"`
		}{"size", name, "linux", arch, bytes})
		return
	}
	p.printf("bootstrap %s, linux/%s: %d bytes (%.2f MB, stripped)\n", name, arch, bytes, float64(bytes)/mb)
}

// run reports cold start n of bootstrap name.
func (p *report) run(name string, n int, r result) {
	if p.json {
		p.emit(struct {
			Kind      string `json:"kind"`
			Bootstrap string `json:"bootstrap"`
			Run       int    `json:"run"`
			result
		}{"run", name, n, r})
		return
	}
	p.printf("run %2d, %s: first drop answered %6.1f ms after the process start (init phase %5.1f ms), peak RSS %5.2f MB\n",
		n, name, r.FirstDropMS, r.InitMS, float64(r.PeakRSS)/mb)
}

// summary reports the medians of bootstrap name's runs, and the drops found stored.
func (p *report) summary(name string, runs []result, stored int) {
	first := spreadOf(values(runs, func(r result) float64 { return r.FirstDropMS }))
	init := spreadOf(values(runs, func(r result) float64 { return r.InitMS }))
	rss := spreadOf(values(runs, func(r result) float64 { return float64(r.PeakRSS) }))
	if p.json {
		p.emit(struct {
			Kind        string `json:"kind"`
			Bootstrap   string `json:"bootstrap"`
			Runs        int    `json:"runs"`
			Stored      int    `json:"stored"`
			FirstDropMS spread `json:"first_drop_ms"`
			InitMS      spread `json:"init_ms"`
			PeakRSS     spread `json:"peak_rss_bytes"`
		}{"summary", name, len(runs), stored, first, init, rss})
		return
	}
	p.printf("median of %d, %s: first drop %.1f ms after the process start (%.1f to %.1f), init phase %.1f ms, peak RSS %.2f MB (%.2f to %.2f); %d drops stored\n",
		len(runs), name, first.Median, first.Min, first.Max, init.Median, rss.Median/mb, rss.Min/mb, rss.Max/mb, stored)
}

// ratio reports a measure of bootstrap num against den: pairs is how many paired runs the
// spread is of (1 for a size).
func (p *report) ratio(num, den, measure string, s spread, pairs int) {
	if p.json {
		p.emit(struct {
			Kind    string `json:"kind"`
			Of      string `json:"of"`
			Measure string `json:"measure"`
			Pairs   int    `json:"pairs"`
			spread
		}{"ratio", num + "/" + den, measure, pairs, s})
		return
	}
	if pairs == 1 {
		p.printf("%s/%s, %s: %.2f×\n", num, den, measure, s.Median)
		return
	}
	p.printf("%s/%s, %s: %.2f× (median of %d paired runs; %.2f× to %.2f×)\n", num, den, measure, s.Median, pairs, s.Min, s.Max)
}
