package locales_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"chibo/locales"
)

// messages reads every message file: language → id → forms ("" for a
// plain message, or the plural forms).
func messages(t *testing.T) map[string]map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]map[string]string{}
	files, err := filepath.Glob("*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no message files: %v", err)
	}
	for _, f := range files {
		parts := strings.Split(strings.TrimSuffix(f, ".json"), ".")
		lang := parts[len(parts)-1]
		if !locales.Supported(lang) {
			t.Fatalf("%s: language %q is not supported", f, lang)
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if out[lang] == nil {
			out[lang] = map[string]map[string]string{}
		}
		for id, v := range m {
			if _, dup := out[lang][id]; dup {
				t.Errorf("%s: id %s is defined twice in %s", f, id, lang)
			}
			var s string
			if json.Unmarshal(v, &s) == nil {
				out[lang][id] = map[string]string{"": s}
				continue
			}
			var forms map[string]string
			if err := json.Unmarshal(v, &forms); err != nil {
				t.Fatalf("%s: %s: %v", f, id, err)
			}
			out[lang][id] = forms
		}
	}
	return out
}

var idShape = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)

// idsInCode returns the string literals in the project's non-test Go code
// that look like message ids of one of the namespaces.
func idsInCode(t *testing.T, namespaces map[string]bool) map[string][]string {
	t.Helper()
	found := map[string][]string{}
	fset := token.NewFileSet()
	for _, dir := range []string{"../cmd", "../bot", "../flows", "../storage"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil || !idShape.MatchString(s) {
					return true
				}
				ns, _, _ := strings.Cut(s, ".")
				if namespaces[ns] {
					found[s] = append(found[s], fset.Position(lit.Pos()).String())
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return found
}

func TestMessages_completeAndUsed(t *testing.T) {
	msgs := messages(t)
	namespaces := map[string]bool{}
	for _, lang := range locales.Languages {
		if len(msgs[lang]) == 0 {
			t.Fatalf("no messages in %s", lang)
		}
		for id := range msgs[lang] {
			ns, _, _ := strings.Cut(id, ".")
			namespaces[ns] = true
		}
	}
	used := idsInCode(t, namespaces)
	if len(used) < 50 {
		t.Fatalf("found only %d message ids in code: the scan is broken", len(used))
	}
	for id, where := range used {
		for _, lang := range locales.Languages {
			if _, ok := msgs[lang][id]; !ok {
				t.Errorf("%s: message %s is missing in %s", where[0], id, lang)
			}
		}
	}
	for _, lang := range locales.Languages {
		var unused []string
		for id := range msgs[lang] {
			if _, ok := used[id]; !ok {
				unused = append(unused, id)
			}
		}
		sort.Strings(unused)
		if len(unused) > 0 {
			t.Errorf("%s has ids no code uses: %v", lang, unused)
		}
	}
}

var fieldRef = regexp.MustCompile(`\.([A-Z][A-Za-z0-9_]*)`)

// fields lists the template fields a message refers to.
func fields(forms map[string]string) []string {
	set := map[string]bool{}
	for _, text := range forms {
		for _, action := range regexp.MustCompile(`\{\{[^}]*\}\}`).FindAllString(text, -1) {
			for _, m := range fieldRef.FindAllStringSubmatch(action, -1) {
				set[m[1]] = true
			}
		}
	}
	var out []string
	for f := range set {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

func TestMessages_renderInEveryLanguage(t *testing.T) {
	msgs := messages(t)
	cat, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	cat.OnError = func(id string, err error) { t.Errorf("render %s: %v", id, err) }
	for id, viForms := range msgs["vi"] {
		plural := viForms[""] == ""
		for _, lang := range locales.Languages {
			forms := msgs[lang][id]
			if forms == nil {
				continue // reported by TestMessages_completeAndUsed
			}
			if plural && (forms["one"] == "" || forms["other"] == "") {
				t.Errorf("%s %s: a plural message needs both one and other (go-i18n fails on 0 and 1 without one)", lang, id)
			}
			if (forms[""] == "") != plural {
				t.Errorf("%s: plural in one language, plain in another", id)
			}
			if got, want := strings.Join(fields(forms), ","), strings.Join(fields(viForms), ","); got != want {
				t.Errorf("%s %s uses fields %q, vi uses %q: the same data must render both", lang, id, got, want)
			}
			var kv []any
			for _, f := range fields(forms) {
				if f != "Count" || !plural { // N supplies Count itself
					kv = append(kv, f, "x")
				}
			}
			if plural {
				for _, n := range []int{0, 1, 2, 21} {
					if s := cat.N(lang, id, n, kv...); s == id || s == "" {
						t.Errorf("%s %s count %d rendered %q", lang, id, n, s)
					}
				}
				continue
			}
			if s := cat.T(lang, id, kv...); s == id || s == "" {
				t.Errorf("%s %s rendered %q", lang, id, s)
			}
		}
	}
}

func TestCatalog_missingDataIsReported(t *testing.T) {
	cat, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	cat.OnError = func(id string, err error) { failed = append(failed, id) }
	if got := cat.T("vi", "reg.done"); got != "reg.done" {
		t.Errorf("a message missing its data rendered %q", got)
	}
	if got := cat.T("vi", "no.such_id"); got != "no.such_id" {
		t.Errorf("an unknown id rendered %q", got)
	}
	if len(failed) != 2 {
		t.Errorf("OnError told about %v, want both failures", failed)
	}
	if got := cat.T("fr", "btn.cancel"); got != "Hủy" {
		t.Errorf("an unsupported language should fall back to Vietnamese, got %q", got)
	}
}
