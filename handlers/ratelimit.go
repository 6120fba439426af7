package handlers

import (
	"sync"
	"time"
)

// attemptLimiter counts failures per key in fixed windows: after max
// failures a key is refused until its window ends. It lives in this
// process's memory, so each machine keeps its own count, which still bounds
// password guessing to a few dozen tries an hour. (Fiber's limiter would
// need a new module, tinylib/msgp, for a map and a mutex.)
type attemptLimiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu   sync.Mutex
	keys map[string]attempts
}

type attempts struct {
	start time.Time
	n     int
}

// sweepAbove is how many keys the limiter holds before it drops the ones
// whose window has ended.
const sweepAbove = 10_000

func newAttemptLimiter(max int, window time.Duration) *attemptLimiter {
	return &attemptLimiter{max: max, window: window, now: time.Now, keys: map[string]attempts{}}
}

// blocked reports whether key has used up its failures, and if so how long
// until it may try again.
func (l *attemptLimiter) blocked(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, ok := l.keys[key]
	if !ok {
		return false, 0
	}
	left := a.start.Add(l.window).Sub(l.now())
	if left <= 0 {
		delete(l.keys, key)
		return false, 0
	}
	return a.n >= l.max, left
}

// fail counts one failure for key.
func (l *attemptLimiter) fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.count(key, l.now())
}

// count adds one to key's window, starting a new window when the last has
// ended; the caller holds l.mu.
func (l *attemptLimiter) count(key string, now time.Time) {
	a, ok := l.keys[key]
	if !ok || now.Sub(a.start) >= l.window {
		a = attempts{start: now}
	}
	a.n++
	l.keys[key] = a
	if len(l.keys) > sweepAbove {
		for k, a := range l.keys {
			if now.Sub(a.start) >= l.window {
				delete(l.keys, k)
			}
		}
	}
}

// reset forgets key's failures, after it signed in.
func (l *attemptLimiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, key)
}

// take counts one attempt for key and reports whether it may go ahead:
// false once key has had max attempts in its window, and a refused
// attempt is not counted. Limits on lookups use it; sign-in counts only
// failures, with blocked and fail.
func (l *attemptLimiter) take(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if a, ok := l.keys[key]; ok && now.Sub(a.start) < l.window && a.n >= l.max {
		return false
	}
	l.count(key, now)
	return true
}
