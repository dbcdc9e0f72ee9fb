package wiring

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/template"

	"github.com/kelseyhightower/envconfig"
)

// usageLines is the template of Usage's raw lines: the variable, its default and its
// description, NUL-separated.
var usageLines = template.Must(template.New("usage").Parse(
	`{{range .}}{{.Key}}{{"\x00"}}{{.Tags.Get "default"}}{{"\x00"}}{{.Tags.Get "desc"}}{{"\n"}}{{end}}`))

// Usage writes every variable spec reads (a *Lambda or a *Server), as flag.PrintDefaults
// writes flags: the name and its default on one line, the description below it, wrapped.
func Usage(w io.Writer, spec any) error {
	var raw bytes.Buffer
	if err := envconfig.Usaget("", spec, &raw, usageLines); err != nil {
		return err
	}
	sc := bufio.NewScanner(&raw)
	for sc.Scan() {
		key, rest, _ := strings.Cut(sc.Text(), "\x00")
		def, desc, _ := strings.Cut(rest, "\x00")
		if def != "" {
			key += " (default " + def + ")"
		}
		fmt.Fprintf(w, "  %s\n", key)
		for _, l := range wrap(desc, 72) {
			fmt.Fprintf(w, "      %s\n", l)
		}
	}
	return sc.Err()
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
