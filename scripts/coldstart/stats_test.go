package main

import (
	"slices"
	"testing"
)

func TestSpreadOf(t *testing.T) {
	tests := []struct {
		name string
		v    []float64
		want spread
	}{
		{"one", []float64{3}, spread{3, 3, 3}},
		{"odd count, unsorted", []float64{9, 1, 4}, spread{4, 1, 9}},
		{"even count: the mean of the middle two", []float64{10, 2, 4, 8}, spread{6, 2, 10}},
		{"ties", []float64{5, 5, 1, 5}, spread{5, 1, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.v)
			if got := spreadOf(tt.v); got != tt.want {
				t.Errorf("spreadOf(%v) = %+v, want %+v", tt.v, got, tt.want)
			}
			if !slices.Equal(tt.v, in) {
				t.Errorf("spreadOf reordered its input: %v, was %v", tt.v, in)
			}
		})
	}
}

func TestRatios(t *testing.T) {
	tests := []struct {
		name     string
		num, den []float64
		want     []float64
		wantErr  bool
	}{
		{"pairs", []float64{12, 10, 9}, []float64{10, 10, 12}, []float64{1.2, 1, 0.75}, false},
		{"one pair", []float64{3}, []float64{2}, []float64{1.5}, false},
		{"fewer divisors", []float64{1, 2}, []float64{1}, nil, true},
		{"none", nil, nil, nil, true},
		{"zero divisor", []float64{1}, []float64{0}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ratios(tt.num, tt.den)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ratios error %v, want error %v", err, tt.wantErr)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ratios(%v, %v) = %v, want %v", tt.num, tt.den, got, tt.want)
			}
		})
	}
}

// TestPairedRatio: the ratio reported is the median of the paired runs' ratios, not the ratio
// of the medians (here 12/20 = 0.6), which a noisy pair would skew.
func TestPairedRatio(t *testing.T) {
	fn := []result{{FirstDropMS: 11, PeakRSS: 15}, {FirstDropMS: 22, PeakRSS: 15}, {FirstDropMS: 12, PeakRSS: 15}}
	floor := []result{{FirstDropMS: 10, PeakRSS: 12}, {FirstDropMS: 20, PeakRSS: 12}, {FirstDropMS: 30, PeakRSS: 10}}
	tests := []struct {
		name    string
		measure func(result) float64
		want    spread
	}{
		{"first drop", func(r result) float64 { return r.FirstDropMS }, spread{Median: 1.1, Min: 0.4, Max: 1.1}},
		{"peak RSS", func(r result) float64 { return float64(r.PeakRSS) }, spread{Median: 1.25, Min: 1.25, Max: 1.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pairedRatio(fn, floor, tt.measure)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("pairedRatio = %+v, want %+v", got, tt.want)
			}
		})
	}
	if _, err := pairedRatio(fn, floor[:2], func(r result) float64 { return r.InitMS }); err == nil {
		t.Error("pairedRatio of 3 runs against 2: no error")
	}
}
