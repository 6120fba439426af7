package mail

import (
	"reflect"
	"slices"
)

// VariablePanel describes every variable a template may use, for the
// editor's variables panel. It is generated from Data by reflection, with
// the documentation of variableDocs and orderLineDocs, so the panel can
// never list a variable that does not exist or miss one that does. The
// variables the sender of template name fills in come first (Sent), then
// the others, which are empty in that email. A list's Fields are named as
// they are written inside {{range}}.
func VariablePanel(name string) []Variable {
	sent := templateVariables[name]
	var first, rest []Variable
	t := reflect.TypeFor[Data]()
	for i := range t.NumField() {
		f := t.Field(i)
		v := Variable{Name: "." + f.Name, Doc: variableDocs[f.Name], Sent: slices.Contains(sent, f.Name)}
		if f.Type.Kind() == reflect.Slice {
			v.List = true
			v.Fields = elementFields(f.Type.Elem())
		}
		if v.Sent {
			first = append(first, v)
		} else {
			rest = append(rest, v)
		}
	}
	return append(first, rest...)
}

// elementFields documents the fields of a list's element type.
func elementFields(t reflect.Type) []Variable {
	docs := elementDocs[t]
	out := make([]Variable, 0, t.NumField())
	for i := range t.NumField() {
		name := t.Field(i).Name
		out = append(out, Variable{Name: "." + name, Doc: docs[name]})
	}
	return out
}

// elementDocs are the documentation maps of the element types of Data's
// lists.
var elementDocs = map[reflect.Type]map[string]string{
	reflect.TypeFor[OrderLine](): orderLineDocs,
}
