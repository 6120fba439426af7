package stripesim

import (
	"fmt"
	"strings"
	"time"
)

// Webhook fault modes, set through POST /_sim/faults.
const (
	modeDeliver   = "deliver"
	modeDrop      = "drop"
	modeDuplicate = "duplicate"
	modeReorder   = "reorder"
	modeDelay     = "delay"
)

// faults are the processor misbehaviours currently switched on. They live
// only in memory: a restarted simulator behaves again.
type faults struct {
	webhooks  webhookFaults
	errorRate float64
	errorAcc  float64
	latency   time.Duration
}

// webhookFaults is the webhook mode: the zero value delivers every event
// once, in creation order, as soon as it is made.
type webhookFaults struct {
	drop      bool          // never deliver
	duplicate bool          // deliver each event twice
	reorder   bool          // deliver each batch of due events newest first
	delay     time.Duration // hold each new delivery back this long
}

// nextError reports whether this API request should fail. It is
// deterministic: a rate r fails exactly the requests that push the running
// sum of r past a whole number, so 1.0 fails every one and 0.5 every other.
func (f *faults) nextError() bool {
	if f.errorRate <= 0 {
		return false
	}
	f.errorAcc += f.errorRate
	if f.errorAcc >= 1 {
		f.errorAcc--
		return true
	}
	return false
}

// setWebhooks parses "deliver|drop|duplicate|reorder|delay:5s", or
// several of duplicate, reorder and delay joined by "+": for instance
// "delay:1h+duplicate+reorder" holds every event, each twice, until
// POST /_sim/webhooks/retry delivers them all newest first.
func (f *faults) setWebhooks(v string) error {
	var w webhookFaults
	parts := strings.Split(v, "+")
	for _, part := range parts {
		mode, arg, hasArg := strings.Cut(part, ":")
		if hasArg && mode != modeDelay {
			return fmt.Errorf("webhooks mode %q takes no argument", mode)
		}
		switch mode {
		case modeDeliver, modeDrop:
			if len(parts) > 1 {
				return fmt.Errorf("webhooks %q: %s combines with nothing", v, mode)
			}
			w.drop = mode == modeDrop
		case modeDuplicate:
			w.duplicate = true
		case modeReorder:
			w.reorder = true
		case modeDelay:
			d, err := time.ParseDuration(arg)
			if err != nil || d < 0 {
				return fmt.Errorf("webhooks %q: want delay:<duration>, e.g. delay:5s", v)
			}
			w.delay = d
		default:
			return fmt.Errorf("webhooks %q: want deliver, drop, duplicate, reorder or delay:<duration>, or some of the last three joined by +", v)
		}
	}
	f.webhooks = w
	return nil
}
