package flows

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// storeJourneys are the journeys that reach storage only through their
// store interface (flows/<journey>/store.go), so that the interface lists
// what each touches.
var storeJourneys = []string{"privacy", "members", "meetings", "faraway", "residence", "admin", "commune", "tasks"}

// Each journey reaches storage only through its store interface: no
// c.Tx.Method call is left in the package, and the package declares its
// store in store.go.
func TestJourneys_storageThroughTheirStore(t *testing.T) {
	for _, j := range storeJourneys {
		if _, err := os.Stat(filepath.Join(j, "store.go")); err != nil {
			t.Errorf("%s: no store.go: %v", j, err)
		}
		files, err := filepath.Glob(j + "/*.go")
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no files: %v", j, err)
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
}
