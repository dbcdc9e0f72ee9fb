package main

import (
	"fmt"
	"slices"
)

// spread is a median with the smallest and the largest value.
type spread struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// spreadOf returns the median, min and max of v, which must not be empty; the median of an
// even count is the mean of the two middle values.
func spreadOf(v []float64) spread {
	s := slices.Sorted(slices.Values(v))
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + m) / 2
	}
	return spread{Median: m, Min: s[0], Max: s[len(s)-1]}
}

// ratios returns num[i]/den[i] for each pair: the runs of one bootstrap against the runs of
// the other made next to them.
func ratios(num, den []float64) ([]float64, error) {
	if len(num) != len(den) || len(num) == 0 {
		return nil, fmt.Errorf("ratios of %d values to %d: want as many, at least one", len(num), len(den))
	}
	r := make([]float64, len(num))
	for i := range num {
		if den[i] <= 0 {
			return nil, fmt.Errorf("ratio %d: divisor %v is not positive", i+1, den[i])
		}
		r[i] = num[i] / den[i]
	}
	return r, nil
}

// pairedRatio returns the spread of measure's ratios num/den over the runs made side by side:
// run i of one bootstrap against run i of the other.
func pairedRatio(num, den []result, measure func(result) float64) (spread, error) {
	r, err := ratios(values(num, measure), values(den, measure))
	if err != nil {
		return spread{}, err
	}
	return spreadOf(r), nil
}

// values returns one measure of each run.
func values(runs []result, measure func(result) float64) []float64 {
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = measure(r)
	}
	return v
}
