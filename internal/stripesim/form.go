package stripesim

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// form is a decoded Stripe form body or query string. A value is either a
// string or a nested form; arrays are forms keyed "0", "1", … because
// Stripe's bracket notation (a[0][b]=) is an object with numeric keys.
type form map[string]any

// parseForm decodes Stripe's bracket notation: a[b][0][c]=v, expand[]=x,
// with brackets raw or percent-encoded. It keeps the pairs' order, which
// url.ParseQuery would lose, so a[]=x&a[]=y stays [x y].
func parseForm(raw string) (form, *apiError) {
	root := form{}
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, invalid("", "Invalid URL encoding in parameter %q.", k)
		}
		if err := root.set(splitKey(key), val, key); err != nil {
			return nil, err
		}
	}
	return root, nil
}

// splitKey turns "a[b][0]" into [a b 0] and "a[]" into [a ""]. A key that
// is not well-formed stays whole, so it is refused as an unknown parameter.
func splitKey(key string) []string {
	open := strings.IndexByte(key, '[')
	if open <= 0 || !strings.HasSuffix(key, "]") {
		return []string{key}
	}
	parts := []string{key[:open]}
	rest := key[open:]
	for rest != "" {
		end := strings.IndexByte(rest, ']')
		if rest[0] != '[' || end < 0 {
			return []string{key}
		}
		parts = append(parts, rest[1:end])
		rest = rest[end+1:]
	}
	return parts
}

func (f form) set(path []string, val, whole string) *apiError {
	name := path[0]
	if name == "" {
		name = strconv.Itoa(len(f))
	}
	if len(path) == 1 {
		if _, isForm := f[name].(form); isForm {
			return invalid(whole, "Invalid value for %s: it is given both as a value and as an object.", whole)
		}
		f[name] = val
		return nil
	}
	child, ok := f[name].(form)
	if !ok {
		if _, isStr := f[name].(string); isStr {
			return invalid(whole, "Invalid value for %s: it is given both as a value and as an object.", whole)
		}
		child = form{}
		f[name] = child
	}
	return child.set(path[1:], val, whole)
}

func (f form) has(k string) bool { _, ok := f[k]; return ok }

// str is a scalar parameter, "" when absent.
func (f form) str(k string) string {
	s, _ := f[k].(string)
	return s
}

// int is an integer parameter already checked by validate.
func (f form) int(k string) (int64, bool) {
	s, ok := f[k].(string)
	if !ok || s == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func (f form) sub(k string) form {
	c, _ := f[k].(form)
	return c
}

// list returns an array parameter's elements in index order.
func (f form) list(k string) []any {
	c, ok := f[k].(form)
	if !ok {
		return nil
	}
	keys := make([]int, 0, len(c))
	for key := range c {
		n, _ := strconv.Atoi(key)
		keys = append(keys, n)
	}
	sort.Ints(keys)
	out := make([]any, 0, len(keys))
	for _, n := range keys {
		out = append(out, c[strconv.Itoa(n)])
	}
	return out
}

// strings returns an array of scalars, such as expand[] or types[].
func (f form) strings(k string) []string {
	var out []string
	for _, v := range f.list(k) {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// strMap returns a hash such as metadata; always non-nil.
func (f form) strMap(k string) map[string]string {
	out := map[string]string{}
	for key, v := range f.sub(k) {
		if s, ok := v.(string); ok && s != "" {
			out[key] = s
		}
	}
	return out
}

func sortStrings(s []string) { sort.Strings(s) }
