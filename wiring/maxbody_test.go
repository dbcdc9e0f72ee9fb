package wiring

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/contract"
)

// TestMaxBodyBytesDescribesTheLimit: the usage text of MAX_BODY_BYTES (a struct tag, which
// cannot name a constant) states contract.MaxPayloadBytes.
func TestMaxBodyBytesDescribesTheLimit(t *testing.T) {
	f, ok := reflect.TypeOf(CoreSettings{}).FieldByName("MaxBodyBytes")
	if !ok {
		t.Fatal("CoreSettings has no MaxBodyBytes")
	}
	if desc, want := f.Tag.Get("desc"), strconv.Itoa(contract.MaxPayloadBytes); !strings.Contains(desc, want) {
		t.Errorf("desc = %q, want it to say %s", desc, want)
	}
}
