package wiring

import (
	"fmt"
	"io"
	"reflect"
	"strings"
)

// Usage writes every variable spec reads (a *Lambda or a *ServerSettings), as
// flag.PrintDefaults writes flags: the name and its default on one line, the description
// below it, wrapped.
func Usage(w io.Writer, spec any) error {
	t := reflect.TypeOf(spec)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("usage of %T: want a pointer to a struct", spec)
	}
	for _, s := range settings(t.Elem()) {
		key := s.key
		if s.def != "" {
			key += " (default " + s.def + ")"
		}
		fmt.Fprintf(w, "  %s\n", key)
		for _, l := range wrap(s.desc, 72) {
			fmt.Fprintf(w, "      %s\n", l)
		}
	}
	return nil
}

// wrap cuts text into lines of at most width characters, between words.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
