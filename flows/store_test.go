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

// notJourneys are the folders under flows that hold no journey: the core,
// the vocabulary, the export drawing and test data. Every other folder is
// a journey and must reach storage through its store.
var notJourneys = map[string]bool{"core": true, "chat": true, "export": true, "testdata": true}

// storeJourneys are the journey folders under flows.
func storeJourneys(t *testing.T) []string {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var js []string
	for _, e := range entries {
		if e.IsDir() && !notJourneys[e.Name()] {
			js = append(js, e.Name())
		}
	}
	if len(js) < 8 {
		t.Fatalf("only %d journeys found: %v", len(js), js)
	}
	return js
}

// Each journey reaches storage only through its store interface: no
// c.Tx.Method call is left in the package, nor a method call on a
// *storage.Tx parameter, and the package declares its store in store.go.
func TestJourneys_storageThroughTheirStore(t *testing.T) {
	for _, j := range storeJourneys(t) {
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
			for _, call := range txParamCalls(f) {
				t.Errorf("%s: %s called on a *storage.Tx parameter, not through the store", path, call)
			}
		}
	}
}

// txParamCalls lists the method calls (as "tx.Method") made, in each
// function of f, on its parameters declared *storage.Tx: a helper that
// calls them should take its package's store instead.
func txParamCalls(f *ast.File) []string {
	var calls []string
	ast.Inspect(f, func(n ast.Node) bool {
		var ft *ast.FuncType
		var body *ast.BlockStmt
		switch fn := n.(type) {
		case *ast.FuncDecl:
			ft, body = fn.Type, fn.Body
		case *ast.FuncLit:
			ft, body = fn.Type, fn.Body
		default:
			return true
		}
		names := map[string]bool{}
		for _, p := range ft.Params.List {
			if isStorageTx(p.Type) {
				for _, name := range p.Names {
					names[name.Name] = true
				}
			}
		}
		if len(names) == 0 || body == nil {
			return true
		}
		ast.Inspect(body, func(n ast.Node) bool {
			if s, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := s.X.(*ast.Ident); ok && names[id.Name] {
					calls = append(calls, id.Name+"."+s.Sel.Name)
				}
			}
			return true
		})
		return true
	})
	return calls
}

// isStorageTx reports whether a parameter's type is written *storage.Tx.
func isStorageTx(e ast.Expr) bool {
	star, ok := e.(*ast.StarExpr)
	if !ok {
		return false
	}
	sel, ok := star.X.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Tx" {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "storage"
}
