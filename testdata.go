// Package s3dropbox holds what the module shares that is not code: the realistic Function URL
// events under testdata/events, embedded so that every package's tests load the same fixtures.
// Only tests import it.
package s3dropbox

import "embed"

// Events holds the Function URL (payload format 2.0) event fixtures, as events/<name>.json.
//
//go:embed testdata/events/*.json
var events embed.FS

// Event returns the fixture testdata/events/<name>.json. It panics if there is none: fixtures
// are part of the source.
func Event(name string) []byte {
	b, err := events.ReadFile("testdata/events/" + name + ".json")
	if err != nil {
		panic(err)
	}
	return b
}
