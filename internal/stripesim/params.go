package stripesim

import (
	"strconv"
)

// kind is the type of one parameter in a spec.
type kind int

const (
	kString kind = iota
	kInt
	kBool
	kHash   // free-form string map, such as metadata
	kObject // fixed keys, given by fields
	kList   // array of elem
	kRange  // created=N or created[gt|gte|lt|lte]=N
)

// param describes what a request may send. The simulator is stricter than
// stripe-mock: unknown keys are refused at every depth, so a typo in a
// nested parameter fails in tests instead of being silently ignored.
type param struct {
	kind   kind
	fields map[string]param
	elem   *param
}

func pString() param { return param{kind: kString} }
func pInt() param    { return param{kind: kInt} }
func pBool() param   { return param{kind: kBool} }
func pHash() param   { return param{kind: kHash} }
func pRange() param  { return param{kind: kRange} }

func pObject(fields map[string]param) param { return param{kind: kObject, fields: fields} }
func pList(elem param) param                { return param{kind: kList, elem: &elem} }

// validate checks f against spec, naming the first offending parameter the
// way Stripe does ("payment_intent_data[bogus]").
func validate(f form, spec map[string]param) *apiError {
	return validateObject(f, spec, "")
}

func validateObject(f form, fields map[string]param, prefix string) *apiError {
	for _, k := range sortedKeys(f) {
		name := k
		if prefix != "" {
			name = prefix + "[" + k + "]"
		}
		p, ok := fields[k]
		if !ok {
			return unknownParam(name)
		}
		if err := validateValue(f[k], p, name); err != nil {
			return err
		}
	}
	return nil
}

func validateValue(v any, p param, name string) *apiError {
	s, isStr := v.(string)
	sub, _ := v.(form)
	switch p.kind {
	case kString:
		if !isStr {
			return invalidValue(name, "Invalid string: %s must be a single value, not an object.", name)
		}
	case kInt:
		if _, err := strconv.ParseInt(s, 10, 64); !isStr || err != nil {
			e := invalidValue(name, "Invalid integer: %s", s)
			e.Body.Code = "parameter_invalid_integer"
			return e
		}
	case kBool:
		if !isStr || (s != "true" && s != "false") {
			return invalidValue(name, "Invalid boolean: %s", s)
		}
	case kHash:
		return validateHash(v, name)
	case kObject:
		if isStr {
			return invalidValue(name, "Invalid object: %s must be an object.", name)
		}
		return validateObject(sub, p.fields, name)
	case kList:
		return validateList(v, p, name)
	case kRange:
		return validateRange(v, name)
	}
	return nil
}

func validateHash(v any, name string) *apiError {
	if s, ok := v.(string); ok {
		if s == "" {
			return nil
		}
		return invalidValue(name, "Invalid object: %s must be a hash.", name)
	}
	for k, val := range v.(form) {
		if _, ok := val.(string); !ok {
			return invalidValue(name+"["+k+"]", "Invalid string: %s[%s] must be a single value.", name, k)
		}
	}
	return nil
}

func validateList(v any, p param, name string) *apiError {
	if s, ok := v.(string); ok {
		if s == "" {
			return nil
		}
		return invalidValue(name, "Invalid array: %s must be an array.", name)
	}
	for _, k := range sortedKeys(v.(form)) {
		if _, err := strconv.Atoi(k); err != nil {
			return invalidValue(name, "Invalid array: %s has the non-numeric index %q.", name, k)
		}
		if err := validateValue(v.(form)[k], *p.elem, name+"["+k+"]"); err != nil {
			return err
		}
	}
	return nil
}

func validateRange(v any, name string) *apiError {
	if _, ok := v.(string); ok {
		return validateValue(v, pInt(), name)
	}
	ops := map[string]param{"gt": pInt(), "gte": pInt(), "lt": pInt(), "lte": pInt()}
	return validateObject(v.(form), ops, name)
}

func sortedKeys(f form) []string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sortStrings(keys)
	return keys
}

// withList adds the parameters every list endpoint takes.
func withList(extra map[string]param) map[string]param {
	spec := map[string]param{
		"limit": pInt(), "starting_after": pString(), "ending_before": pString(),
		"created": pRange(), "expand": pList(pString()),
	}
	for k, v := range extra {
		spec[k] = v
	}
	return spec
}

func retrieveSpec() map[string]param { return map[string]param{"expand": pList(pString())} }
