package doctest

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	// assignment is a shell variable set: NAME=… at the start of a command or after export.
	assignment = regexp.MustCompile(`(?:^|[\s;&|(])([A-Za-z_][A-Za-z0-9_]*)=`)
	// expansion is a shell variable read: $NAME or ${NAME}.
	expansion = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)
	// singleQuoted is a single-quoted word, where the shell expands nothing.
	singleQuoted = regexp.MustCompile(`'[^']*'`)
)

// undefined returns the variables block reads before it sets them, in order, each once.
// Comments and single-quoted words are skipped.
func undefined(block string) []string {
	set := map[string]bool{}
	var missing []string
	for _, line := range strings.Split(block, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		code, _, _ := strings.Cut(line, " #")
		code = singleQuoted.ReplaceAllStringFunc(code, func(s string) string { return strings.Repeat(" ", len(s)) })
		type event struct {
			at   int
			name string
			sets bool
		}
		var events []event
		for _, m := range assignment.FindAllStringSubmatchIndex(code, -1) {
			events = append(events, event{m[3], code[m[2]:m[3]], true}) // set once its value starts
		}
		for _, m := range expansion.FindAllStringSubmatchIndex(code, -1) {
			events = append(events, event{m[0], code[m[2]:m[3]], false})
		}
		slices.SortStableFunc(events, func(a, b event) int { return a.at - b.at })
		for _, e := range events {
			switch {
			case e.sets:
				set[e.name] = true
			case !set[e.name]:
				set[e.name] = true // named once
				missing = append(missing, e.name)
			}
		}
	}
	return missing
}

func TestUndefined(t *testing.T) {
	for _, tc := range []struct{ block, want string }{
		{"A=1\necho \"$A\"", ""},
		{"export A=1 B=2\necho $A ${B}", ""},
		{"echo \"$A\"\nA=1", "A"},
		{"x=\"$(cmd)\"; Y=\"$x\"\necho $Y", ""},
		{"aws s3 cp f \"s3://$ARTIFACTS/$KEY\"", "ARTIFACTS KEY"},
		{"curl \"$DROP_URL\"   # $NOT_READ in a comment", "DROP_URL"},
		{"# $NOT_READ\nT=\"$(echo \"$c\" | awk '{print $NF}')\"", "c"},
	} {
		if got := strings.Join(undefined(tc.block), " "); got != tc.want {
			t.Errorf("undefined(%q) = %q, want %q", tc.block, got, tc.want)
		}
	}
}

// TestQuickStartDefinesItsVariables: the front page's AWS quick start sets every shell
// variable it reads, on an earlier line, so that it runs as printed in a new shell.
func TestQuickStartDefinesItsVariables(t *testing.T) {
	block := Block(t, "<!-- aws-quickstart -->")
	if !strings.Contains(block, "aws cloudformation deploy") {
		t.Fatalf("the quick start deploys nothing: the test is stale\n%s", block)
	}
	if missing := undefined(block); len(missing) > 0 {
		t.Errorf("the AWS quick start reads %v before setting them:\n%s", missing, block)
	}
}
