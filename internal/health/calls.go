package health

import (
	"fmt"
	"sync"
	"time"
)

// Calls remembers the outcome of the last calls to a remote service. The
// service is in trouble once half of the last callWindow calls failed or
// were slow, and out of it once the last callsToRecover calls were all
// good: the gap between the two keeps one slow call now and then from
// raising an alert, and a service that answers every other call from
// looking healthy.
type Calls struct {
	// Slow is how long a call may take before it counts as bad.
	Slow time.Duration

	mu       sync.Mutex
	last     []bool // newest last, true when good
	trouble  bool
	since    time.Time
	lastBad  string
	badCount int
}

const (
	callWindow     = 10
	callsToTrouble = callWindow / 2
	callsToRecover = 5
)

// Record notes one call that took took and failed with failure ("" when it
// answered well).
func (c *Calls) Record(at time.Time, took time.Duration, failure string) {
	if failure == "" && c.Slow > 0 && took > c.Slow {
		failure = fmt.Sprintf("answered after %s", took.Round(100*time.Millisecond))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = append(c.last, failure == "")
	if len(c.last) > callWindow {
		c.last = c.last[len(c.last)-callWindow:]
	}
	if failure != "" {
		c.lastBad = failure
	}
	bad, goodRun := 0, 0
	for _, ok := range c.last {
		if ok {
			goodRun++
		} else {
			bad, goodRun = bad+1, 0
		}
	}
	switch {
	case !c.trouble && bad >= callsToTrouble:
		c.trouble, c.since, c.badCount = true, at, bad
	case c.trouble && goodRun >= callsToRecover:
		c.trouble = false
	case c.trouble && failure != "":
		c.badCount++
	}
}

// Problem describes the trouble in words, or "" when there is none.
func (c *Calls) Problem() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.trouble {
		return ""
	}
	return fmt.Sprintf("%d bad answers since %s, the last: %s", c.badCount, c.since.UTC().Format(time.RFC3339), c.lastBad)
}
