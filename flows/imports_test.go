package flows

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// layers say which of chibo's packages each package may import (issue 14):
// cmd → transports → bot → core → storage; cmd → journeys → core; a journey
// may import members (who is who) and the core, never another journey;
// nothing imports cmd. The vocabulary (flows/chat) and the file builders
// (flows/export) are leaves anyone may use.
var journeys = []string{"flows/admin", "flows/commune", "flows/faraway", "flows/meetings", "flows/members", "flows/privacy", "flows/residence", "flows/tasks"}

var leaves = []string{"flows/chat", "flows/export", "locales", "storage"}

func allowedImports(pkg string) []string {
	switch {
	case strings.HasPrefix(pkg, "cmd/"):
		return nil // cmd wires everything
	case pkg == "flows":
		return append(append([]string{"flows/core"}, journeys...), leaves...)
	case pkg == "flows/members":
		return append([]string{"flows/core"}, leaves...)
	case slices.Contains(journeys, pkg):
		return append([]string{"flows/core", "flows/members"}, leaves...)
	case pkg == "flows/core":
		return leaves
	case pkg == "bot":
		return append([]string{"flows/core"}, leaves...)
	case strings.HasPrefix(pkg, "bot/"): // transports and their fakes
		return append([]string{"bot", "bot/filelink", "flows/core", "bot/telegram", "bot/zalo"}, leaves...)
	case pkg == "storage", pkg == "locales", pkg == "flows/chat":
		return []string{}
	case strings.HasPrefix(pkg, "flows/export"):
		return []string{"locales"}
	}
	return []string{}
}

func TestImports_oneWay(t *testing.T) {
	imports := map[string]map[string]bool{} // package dir → chibo packages imported by its non-test files
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != ".." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel("..", filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		if imports[rel] == nil {
			imports[rel] = map[string]bool{}
		}
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if dep, ok := strings.CutPrefix(p, "chibo/"); ok {
				imports[rel][dep] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(imports) < 15 || imports["flows/meetings"] == nil || imports["cmd/chibo"] == nil {
		t.Fatalf("found only %d packages: the walk no longer sees the tree", len(imports))
	}
	for pkg, deps := range imports {
		allowed := allowedImports(pkg)
		for dep := range deps {
			switch {
			case strings.HasPrefix(dep, "cmd/"):
				t.Errorf("%s imports %s: nothing imports cmd", pkg, dep)
			case allowed != nil && !slices.Contains(allowed, dep):
				t.Errorf("%s imports %s: it may import only %v", pkg, dep, allowed)
			}
		}
	}
}

// The rule itself: a journey importing another is refused.
func TestImports_ruleRefusesJourneyToJourney(t *testing.T) {
	if slices.Contains(allowedImports("flows/meetings"), "flows/residence") {
		t.Error("meetings may import residence")
	}
	if slices.Contains(allowedImports("flows/core"), "flows/members") {
		t.Error("the core may import a journey")
	}
	if !slices.Contains(allowedImports("flows/faraway"), "flows/members") {
		t.Error("a journey may not import members")
	}
}
