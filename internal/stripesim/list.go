package stripesim

import (
	"sort"
	"strconv"
)

// listQuery is what every list endpoint understands.
type listQuery struct {
	limit   int
	after   string
	before  string
	created map[string]int64 // "eq", "gt", "gte", "lt", "lte"
	expand  []string
}

// listEnvelope is Stripe's list object; stripe-go reads data, has_more, url.
type listEnvelope struct {
	Object  string `json:"object"`
	Data    []any  `json:"data"`
	HasMore bool   `json:"has_more"`
	URL     string `json:"url"`
}

func parseList(f form) (listQuery, *apiError) {
	q := listQuery{limit: 10, after: f.str("starting_after"), before: f.str("ending_before"),
		created: map[string]int64{}, expand: f.strings("expand")}
	if n, ok := f.int("limit"); ok {
		if n < 1 || n > 100 {
			return q, invalidValue("limit", "Invalid limit: must be between 1 and 100, got %d.", n)
		}
		q.limit = int(n)
	}
	if q.after != "" && q.before != "" {
		return q, invalid("ending_before", "You may only specify one of these parameters: starting_after, ending_before.")
	}
	if n, ok := f.int("created"); ok {
		q.created["eq"] = n
	}
	for op, v := range f.sub("created") {
		n, _ := strconv.ParseInt(v.(string), 10, 64)
		q.created[op] = n
	}
	return q, nil
}

// matchCreated applies created=N and created[gt|gte|lt|lte]=N.
func (q listQuery) matchCreated(c int64) bool {
	for op, n := range q.created {
		var ok bool
		switch op {
		case "eq":
			ok = c == n
		case "gt":
			ok = c > n
		case "gte":
			ok = c >= n
		case "lt":
			ok = c < n
		case "lte":
			ok = c <= n
		}
		if !ok {
			return false
		}
	}
	return true
}

type ranked[T object] struct {
	v   T
	seq int
}

// newer orders a before b in a list: later creation second first, then
// later insertion, so pages are stable even within one second.
func (a ranked[T]) newer(b ranked[T]) bool {
	if a.v.createdAt() != b.v.createdAt() {
		return a.v.createdAt() > b.v.createdAt()
	}
	return a.seq > b.seq
}

// paginate returns one page, newest first. starting_after gives the limit
// objects just older than the cursor; ending_before the limit objects just
// newer than it (still newest first), with has_more meaning "more newer".
// has_more is never true on an empty page: stripe-go's iterator panics on it.
func paginate[T object](t *table[T], q listQuery, kind string, keep func(T) bool) ([]T, bool, *apiError) {
	var all []ranked[T]
	for i := len(t.items) - 1; i >= 0; i-- {
		if v := t.items[i]; keep(v) && q.matchCreated(v.createdAt()) {
			all = append(all, ranked[T]{v, i})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].newer(all[j]) })
	cursorID, param := q.after, "starting_after"
	if q.before != "" {
		cursorID, param = q.before, "ending_before"
	}
	if cursorID == "" {
		return firstN(all, q.limit)
	}
	cv, ok := t.get(cursorID)
	if !ok {
		return nil, false, invalid(param, "No such %s: '%s'", kind, cursorID)
	}
	cur := ranked[T]{cv, t.seq(cursorID)}
	var side []ranked[T]
	for _, r := range all {
		if (q.before != "") == r.newer(cur) && r.seq != cur.seq {
			side = append(side, r)
		}
	}
	if q.before == "" {
		return firstN(side, q.limit)
	}
	return lastN(side, q.limit)
}

func firstN[T object](rs []ranked[T], n int) ([]T, bool, *apiError) {
	more := len(rs) > n
	if more {
		rs = rs[:n]
	}
	return values(rs), more, nil
}

func lastN[T object](rs []ranked[T], n int) ([]T, bool, *apiError) {
	more := len(rs) > n
	if more {
		rs = rs[len(rs)-n:]
	}
	return values(rs), more, nil
}

func values[T object](rs []ranked[T]) []T {
	out := make([]T, len(rs))
	for i, r := range rs {
		out[i] = r.v
	}
	return out
}

// listOf answers a list endpoint for one table: objType names the Stripe
// object (for expand), kind its name in errors, url the list's path.
func listOf[T object](s *Server, c *call, t *table[T], objType, url string, keep func(T) bool) (any, *apiError) {
	q, err := parseList(c.form)
	if err != nil {
		return nil, err
	}
	paths, err := listExpand(objType, q.expand)
	if err != nil {
		return nil, err
	}
	items, more, err := paginate(t, q, objType, keep)
	if err != nil {
		return nil, err
	}
	data := make([]any, len(items))
	for i, v := range items {
		data[i] = s.render(view(v), paths)
	}
	return listEnvelope{Object: "list", Data: data, HasMore: more, URL: url}, nil
}

// view is the public object behind a stored one.
func view(v any) any {
	switch r := v.(type) {
	case *sessionRecord:
		return r.Session
	case *subscriptionRecord:
		return r.Sub
	}
	return v
}
