package handlers

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestAttemptLimiterWindow(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	l := newAttemptLimiter(3, 10*time.Minute)
	l.now = func() time.Time { return now }

	for range 3 {
		blocked, _ := l.blocked("k")
		assert.False(t, blocked)
		l.fail("k")
	}
	blocked, wait := l.blocked("k")
	assert.True(t, blocked)
	assert.Equal(t, 10*time.Minute, wait)

	now = now.Add(10 * time.Minute)
	blocked, _ = l.blocked("k")
	assert.False(t, blocked, "a new window starts afresh")

	l.fail("k")
	l.reset("k")
	blocked, _ = l.blocked("k")
	assert.False(t, blocked)
}

func TestAttemptLimiterSweepsEndedWindows(t *testing.T) {
	t.Parallel()
	now := time.Now()
	l := newAttemptLimiter(3, time.Minute)
	l.now = func() time.Time { return now }
	for i := range sweepAbove {
		l.fail(fmt.Sprint(i))
	}
	now = now.Add(time.Minute)
	l.fail("last")
	assert.Len(t, l.keys, 1, "the keys whose window ended are dropped")
}
