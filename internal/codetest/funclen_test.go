package codetest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3-dropbox/s3-dropbox/internal/doctest"
)

// maxFuncLines is the most lines a non-test function may span, its tables aside.
const maxFuncLines = 60

// TestNoFunctionOver60Lines: no function or function literal outside the tests and the
// generated mocks spans more than 60 lines, not counting the lines of the composite literals
// of 10 lines or more it holds (its tables).
func TestNoFunctionOver60Lines(t *testing.T) {
	root := doctest.Root(t)
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (d.Name() == "mocks" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			var body *ast.BlockStmt
			name := "a function literal"
			switch fn := n.(type) {
			case *ast.FuncDecl:
				body, name = fn.Body, fn.Name.Name
			case *ast.FuncLit:
				body = fn.Body
			}
			if body == nil {
				return true
			}
			if got := funcLines(fset, n, body); got > maxFuncLines {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s:%d: %s spans %d lines, tables aside; want at most %d", rel, fset.Position(n.Pos()).Line, name, got, maxFuncLines)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// funcLines returns the lines fn spans, less those of the outermost composite literals of 10
// lines or more in body.
func funcLines(fset *token.FileSet, fn ast.Node, body *ast.BlockStmt) int {
	lines := func(n ast.Node) int { return fset.Position(n.End()).Line - fset.Position(n.Pos()).Line + 1 }
	n := lines(fn)
	ast.Inspect(body, func(c ast.Node) bool {
		if cl, ok := c.(*ast.CompositeLit); ok && lines(cl) >= 10 {
			n -= lines(cl)
			return false
		}
		return true
	})
	return n
}
