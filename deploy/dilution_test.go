package deploy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"
)

// evalMath evaluates a CloudWatch metric math expression of the few functions the template's
// alarms use (IF, FILL, + - * /, comparisons) with the metrics' values; a metric without data
// is absent from values.
func evalMath(t *testing.T, expr string, values map[string]float64) float64 {
	t.Helper()
	e, err := parser.ParseExpr(expr)
	if err != nil {
		t.Fatalf("expression %q: %v", expr, err)
	}
	var eval func(ast.Expr) (float64, bool) // the value, and whether there is one
	eval = func(n ast.Expr) (float64, bool) {
		switch n := n.(type) {
		case *ast.ParenExpr:
			return eval(n.X)
		case *ast.BasicLit:
			v, err := strconv.ParseFloat(n.Value, 64)
			if err != nil {
				t.Fatal(err)
			}
			return v, true
		case *ast.Ident:
			v, ok := values[n.Name]
			return v, ok
		case *ast.CallExpr:
			name := n.Fun.(*ast.Ident).Name
			switch {
			case name == "FILL" && len(n.Args) == 2:
				if v, ok := eval(n.Args[0]); ok {
					return v, true
				}
				return eval(n.Args[1])
			case name == "IF" && len(n.Args) == 3:
				c, ok := eval(n.Args[0])
				if !ok {
					return 0, false
				}
				if c != 0 {
					return eval(n.Args[1])
				}
				return eval(n.Args[2])
			}
		case *ast.BinaryExpr:
			a, okA := eval(n.X)
			b, okB := eval(n.Y)
			if !okA || !okB {
				return 0, false
			}
			switch n.Op {
			case token.ADD:
				return a + b, true
			case token.SUB:
				return a - b, true
			case token.MUL:
				return a * b, true
			case token.QUO:
				if b == 0 {
					t.Fatalf("%q divides by zero with %v", expr, values)
				}
				return a / b, true
			case token.LSS:
				return map[bool]float64{true: 1}[a < b], true
			}
		}
		t.Fatalf("expression %q: %T not known to this test", expr, n)
		return 0, false
	}
	v, ok := eval(e)
	if !ok {
		t.Fatalf("%q has no value with %v", expr, values)
	}
	return v
}

// TestCdn5xxNotDiluted: the CloudFront alarm's rate leaves the 4xx out: 2 failures in 100
// drops breach its default threshold (1%) with or without a flood of 10,000 refusals beside
// them (CloudFront's own 5xxErrorRate would say 0.02%), a flood alone does not, and a period
// of 4xx only divides by nothing.
func TestCdn5xxNotDiluted(t *testing.T) {
	tmpl, _ := load(t)
	p := get(t, tmpl, "Resources", "Cdn5xxAlarm", "Properties").(object)
	expr := get(t, p, "Metrics", 2, "Expression").(string)
	threshold := get(t, tmpl, "Parameters", "Cdn5xxRatePercent", "Default").(float64)
	if p["ComparisonOperator"] != "GreaterThanThreshold" {
		t.Fatalf("comparison %v, not known to this test", p["ComparisonOperator"])
	}
	pct := func(n, of float64) float64 { return 100 * n / of }
	tests := []struct {
		name                  string
		ok, failed, refused   float64 // requests in the period
		breaches, cdnBreaches bool    // the alarm's rate, and CloudFront's 5xxErrorRate alone
	}{
		{"2 of 100 failed", 98, 2, 0, true, true},
		{"2 of 100 failed, 10000 refused", 98, 2, 10000, true, false},
		{"none failed, 10000 refused", 100, 0, 10000, false, false},
		{"refusals only", 0, 0, 10000, false, false},
		{"1 of 200 failed", 199, 1, 0, false, false},
	}
	for _, tt := range tests {
		all := tt.ok + tt.failed + tt.refused
		e5, e4 := pct(tt.failed, all), pct(tt.refused, all)
		got := evalMath(t, expr, map[string]float64{"e5": e5, "e4": e4})
		if got > threshold != tt.breaches {
			t.Errorf("%s: rate %.3g%%, breaching %v; want %v", tt.name, got, got > threshold, tt.breaches)
		}
		if e5 > threshold != tt.cdnBreaches {
			t.Errorf("%s: CloudFront's rate %.3g%%: the case does not show what it means to", tt.name, e5)
		}
	}
	if got := evalMath(t, expr, map[string]float64{}); got != 0 {
		t.Errorf("no data: %v, want 0", got)
	}
}
