package wiring

import (
	"fmt"
	"io"
	"reflect"
	"strings"
)

// Usage writes every variable spec reads (a *Lambda or a *Server), as flag.PrintDefaults
// writes flags: the name and its default on one line, the description below it, wrapped. It
// reads the struct tags itself: envconfig's usage goes through text/template, whose method
// calls would keep every exported method in the binary (the Lambda's would grow by half).
func Usage(w io.Writer, spec any) error {
	t := reflect.TypeOf(spec)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("usage of %T: want a pointer to a struct", spec)
	}
	usage(w, t.Elem())
	return nil
}

// usage writes the variables of the struct type t, its embedded structs' in their place.
func usage(w io.Writer, t reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		key := f.Tag.Get("envconfig")
		if f.Anonymous && key == "" && f.Type.Kind() == reflect.Struct {
			usage(w, f.Type)
			continue
		}
		if key == "" || !f.IsExported() {
			continue
		}
		if def := f.Tag.Get("default"); def != "" {
			key += " (default " + def + ")"
		}
		fmt.Fprintf(w, "  %s\n", key)
		for _, l := range wrap(f.Tag.Get("desc"), 72) {
			fmt.Fprintf(w, "      %s\n", l)
		}
	}
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
