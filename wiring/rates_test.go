package wiring

import (
	"reflect"
	"testing"
)

// TestClientRatesDecode: CLIENT_RATES reads CLIENT=RATE:BURST entries; a malformed one is
// refused with its position.
func TestClientRatesDecode(t *testing.T) {
	tests := []struct {
		value string
		want  ClientRates
		err   bool
	}{
		{"", ClientRates{}, false},
		{"*=10:20", ClientRates{"*": {10, 20}}, false},
		{"alice=0.5:1, default#2=100:200", ClientRates{"alice": {0.5, 1}, "default#2": {100, 200}}, false},
		{"alice=10", nil, true},
		{"alice=0:1", nil, true},
		{"alice=1:0", nil, true},
		{"Alice=1:1", nil, true},
		{"bob#2=1:1", nil, true},
		{"alice=1:1,alice=2:2", nil, true},
		{"alice=NaN:1", nil, true},
	}
	for _, tt := range tests {
		var got ClientRates
		err := got.Decode(tt.value)
		if (err != nil) != tt.err || !tt.err && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Decode(%q) = %v, %v; want %v, error %v", tt.value, got, err, tt.want, tt.err)
		}
	}
}
