package mail

import (
	"sync"
)

// maxCachedParts bounds a templateCache: three parts for each of the live
// and default versions of every template, with room for the versions an
// editor saves while emails are being queued.
const maxCachedParts = 256

// templateCache keeps each template part compiled, keyed by its name and
// its whole source, so an email queued from a version already seen is not
// parsed, checked and escaped again (that was a sixth of a webhook's CPU).
// A new version has a new source and so a new entry; nothing needs
// invalidating. It holds at most maxCachedParts parts and forgets an
// arbitrary one when full. A part that was refused is kept with its
// problems, which depend only on the source.
//
// A compiled template's print functions check a render's budget, and each
// render has its own, so one compiled part cannot run two renders at once:
// each entry keeps a pool of compiled copies, and a render takes one, binds
// its budget to it, and puts it back when done. The caps of a render are
// exactly those of Render, which compiles afresh.
type templateCache struct {
	mu    sync.Mutex
	parts map[partKey]*cachedPart
	// limits are each render's caps: Render's, which tests may widen.
	limits limits
}

type partKey struct{ name, src string }

// cachedPart is one part's source, compiled: the problems that refuse it,
// or a pool of *compiledPart.
type cachedPart struct {
	problems []Problem
	pool     sync.Pool
}

// compiledPart is one compiled copy of a part, and the budget of the render
// that holds it (nil while it is in its pool).
type compiledPart struct {
	t   executable
	cur *budget
}

func newTemplateCache() *templateCache {
	return &templateCache{parts: map[partKey]*cachedPart{}, limits: defaultLimits()}
}

// render is Render through the cache: the same checks and caps, and the
// same errors.
func (tc *templateCache) render(c Content, data Data) (Content, error) {
	out, problems := renderWith(c, data, tc.limits, nil, tc.compile)
	if len(problems) > 0 {
		return Content{}, invalid(problems)
	}
	return out, nil
}

// compile is a compiler: a compiled copy of p bound to b, taken from p's
// pool, and the function that returns it there.
func (tc *templateCache) compile(p part, b *budget) (executable, func(), []Problem) {
	e := tc.entry(p)
	if len(e.problems) > 0 {
		return nil, nil, e.problems
	}
	cp, _ := e.pool.Get().(*compiledPart)
	if cp == nil {
		// The part compiled once, and compiling is a function of the
		// source alone, so this does not happen; compile afresh if it does.
		return compileFresh(p, b)
	}
	cp.cur = b
	return cp.t, func() { cp.cur = nil; e.pool.Put(cp) }, nil
}

// entry returns p's cache entry, compiling p the first time it is seen.
func (tc *templateCache) entry(p part) *cachedPart {
	key := partKey{p.name, p.src}
	tc.mu.Lock()
	e, ok := tc.parts[key]
	tc.mu.Unlock()
	if ok {
		return e
	}
	e = newCachedPart(p)
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if got, ok := tc.parts[key]; ok {
		return got // another render compiled it meanwhile
	}
	if len(tc.parts) >= maxCachedParts {
		for k := range tc.parts {
			delete(tc.parts, k)
			break
		}
	}
	tc.parts[key] = e
	return e
}

// newCachedPart compiles p once, to learn whether it is refused, and keeps
// that copy in the pool, which compiles further copies as renders need them.
func newCachedPart(p part) *cachedPart {
	e := &cachedPart{}
	first, problems := newCompiledPart(p)
	if len(problems) > 0 {
		e.problems = problems
		return e
	}
	e.pool.New = func() any {
		cp, problems := newCompiledPart(p)
		if len(problems) > 0 {
			return nil
		}
		return cp
	}
	e.pool.Put(first)
	return e
}

func newCompiledPart(p part) (*compiledPart, []Problem) {
	cp := &compiledPart{}
	t, problems := compile(p.name, p.src, cappedFuncs(func() *budget { return cp.cur }))
	if len(problems) > 0 {
		return nil, problems
	}
	cp.t = t
	return cp, nil
}
