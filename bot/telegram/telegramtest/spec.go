package telegramtest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// api.json is the machine-readable Bot API spec (MIT, see api.json.LICENSE).
//
//go:embed api.json
var specJSON []byte

// Spec is the Bot API's methods and types, as api.json describes them.
type Spec struct {
	Version string                `json:"version"`
	Methods map[string]SpecMethod `json:"methods"`
	Types   map[string]SpecType   `json:"types"`
}

// SpecMethod is one Bot API method.
type SpecMethod struct {
	Name   string      `json:"name"`
	Fields []SpecField `json:"fields"`
}

// SpecType is one Bot API object type, or a union of subtypes.
type SpecType struct {
	Name     string      `json:"name"`
	Fields   []SpecField `json:"fields"`
	Subtypes []string    `json:"subtypes"`
}

// SpecField is a parameter of a method or a field of a type.
type SpecField struct {
	Name     string   `json:"name"`
	Types    []string `json:"types"`
	Required bool     `json:"required"`
}

// LoadSpec parses the embedded spec; the result is shared and read-only.
var LoadSpec = sync.OnceValues(func() (*Spec, error) {
	var s Spec
	if err := json.Unmarshal(specJSON, &s); err != nil {
		return nil, fmt.Errorf("telegramtest: api.json: %w", err)
	}
	return &s, nil
})

// method finds a method; Telegram matches method names case-insensitively.
func (s *Spec) method(name string) (SpecMethod, bool) {
	if m, ok := s.Methods[name]; ok {
		return m, true
	}
	for k, m := range s.Methods {
		if strings.EqualFold(k, name) {
			return m, true
		}
	}
	return SpecMethod{}, false
}

// checkParam checks a form value against a field's types.
func (s *Spec) checkParam(f SpecField, value string, isFile bool) error {
	if isFile {
		if slicesContains(f.Types, "InputFile") {
			return nil
		}
		return fmt.Errorf("a file was uploaded for %s", f.Name)
	}
	var objTypes []string
	for _, t := range f.Types {
		switch t {
		case "String":
			return nil
		case "Integer":
			if _, err := strconv.ParseInt(value, 10, 64); err == nil {
				return nil
			}
		case "Float":
			if _, err := strconv.ParseFloat(value, 64); err == nil {
				return nil
			}
		case "Boolean", "True":
			if value == "true" || value == "false" || (t == "True" && value == "true") {
				return nil
			}
		case "InputFile":
		default:
			objTypes = append(objTypes, t)
		}
	}
	if len(objTypes) == 0 {
		return fmt.Errorf("can't parse %s as %s", f.Name, strings.Join(f.Types, " or "))
	}
	if value == "null" && !f.Required {
		return nil // Telegram takes a JSON null as an absent optional parameter
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(value))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("can't parse %s JSON object", f.Name)
	}
	var errs []error
	for _, t := range objTypes {
		err := s.checkValue(v, t, f.Name)
		if err == nil {
			return nil
		}
		errs = append(errs, err)
	}
	return closest(errs)
}

// closest picks, of the errors of a union's alternatives, the one of the
// alternative the value most looks like: one that is not missing a field.
func closest(errs []error) error {
	for _, err := range errs {
		if !strings.Contains(err.Error(), "is required") {
			return err
		}
	}
	return errs[0]
}

// checkValue checks a decoded JSON value against a spec type name.
func (s *Spec) checkValue(v any, typ, path string) error {
	if rest, ok := strings.CutPrefix(typ, "Array of "); ok {
		return s.checkArray(v, rest, path)
	}
	if ok, err := checkScalar(v, typ, path); ok {
		return err
	}
	st, ok := s.Types[typ]
	if !ok {
		return nil // a type the spec does not describe: nothing to check against
	}
	if len(st.Subtypes) > 0 {
		return s.checkUnion(v, typ, st, path)
	}
	return s.checkObject(v, typ, st, path)
}

// checkArray checks a JSON array whose elements are of type elem.
func (s *Spec) checkArray(v any, elem, path string) error {
	arr, ok := v.([]any)
	if !ok {
		return fmt.Errorf("%s: expected an Array", path)
	}
	for i, e := range arr {
		if err := s.checkValue(e, elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	return nil
}

// checkScalar checks a value of one of the spec's basic types; known is
// false when typ is not one of them.
func checkScalar(v any, typ, path string) (known bool, err error) {
	switch typ {
	case "String":
		if _, ok := v.(string); !ok {
			return true, fmt.Errorf("%s: expected a String", path)
		}
		return true, nil
	case "Integer":
		if n, ok := v.(json.Number); ok {
			if _, err := n.Int64(); err == nil {
				return true, nil
			}
		}
		return true, fmt.Errorf("%s: expected an Integer", path)
	case "Float":
		if n, ok := v.(json.Number); ok {
			if f, err := n.Float64(); err == nil && !math.IsInf(f, 0) {
				return true, nil
			}
		}
		return true, fmt.Errorf("%s: expected a Float", path)
	case "Boolean", "True":
		if b, ok := v.(bool); ok && (typ == "Boolean" || b) {
			return true, nil
		}
		return true, fmt.Errorf("%s: expected a Boolean", path)
	case "InputFile":
		if _, ok := v.(string); ok {
			return true, nil
		}
		return true, fmt.Errorf("%s: expected a file reference", path)
	}
	return false, nil
}

// checkUnion checks a value against a type that is one of several kinds
// (its subtypes), skipping those whose "type" field does not match.
func (s *Spec) checkUnion(v any, typ string, st SpecType, path string) error {
	var last error = fmt.Errorf("%s: matches no kind of %s", path, typ)
	for _, sub := range st.Subtypes {
		obj, _ := v.(map[string]any)
		if want := discriminator(typ, sub); want != "" && obj != nil && obj["type"] != nil && obj["type"] != want {
			continue
		}
		if err := s.checkValue(v, sub, path); err == nil {
			return nil
		} else {
			last = err
		}
	}
	return last
}

// checkObject checks a JSON object: every required field present, no
// unknown field, each field of one of its types.
func (s *Spec) checkObject(v any, typ string, st SpecType, path string) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: expected a JSON object (%s)", path, typ)
	}
	known := map[string]SpecField{}
	for _, f := range st.Fields {
		known[f.Name] = f
		if _, ok := obj[f.Name]; f.Required && !ok {
			return fmt.Errorf("%s: field %q of %s is required", path, f.Name, typ)
		}
	}
	for k, fv := range obj {
		f, ok := known[k]
		if !ok {
			return fmt.Errorf("%s: unknown field %q of %s", path, k, typ)
		}
		var last error
		for _, t := range f.Types {
			if last = s.checkValue(fv, t, path+"."+k); last == nil {
				break
			}
		}
		if last != nil {
			return last
		}
	}
	return nil
}

// discriminator is the "type" value a subtype has: BotCommandScopeAllPrivateChats
// of BotCommandScope is "all_private_chats".
func discriminator(parent, sub string) string {
	rest, ok := strings.CutPrefix(sub, parent)
	if !ok || rest == "" {
		return ""
	}
	var b strings.Builder
	for i, r := range rest {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
