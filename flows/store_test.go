package flows

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// The privacy journey reaches storage only through its store interface
// (flows/privacy/store.go), so that the interface lists what it touches: no
// c.Tx.Method call is left in the package.
func TestPrivacy_storageThroughItsStore(t *testing.T) {
	files, err := filepath.Glob("privacy/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no files: %v", err)
	}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if s, ok := n.(*ast.SelectorExpr); ok {
				if inner, ok := s.X.(*ast.SelectorExpr); ok && inner.Sel.Name == "Tx" {
					t.Errorf("%s: .Tx.%s called directly, not through the store", path, s.Sel.Name)
				}
			}
			return true
		})
	}
}
