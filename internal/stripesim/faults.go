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
	webhooks  string        // one of the modes above; "" means deliver
	delay     time.Duration // for modeDelay
	errorRate float64
	errorAcc  float64
	latency   time.Duration
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

// setWebhooks parses "deliver|drop|duplicate|reorder|delay:5s".
func (f *faults) setWebhooks(v string) error {
	mode, arg, hasArg := strings.Cut(v, ":")
	switch mode {
	case modeDeliver, modeDrop, modeDuplicate, modeReorder:
		if hasArg {
			return fmt.Errorf("webhooks mode %q takes no argument", mode)
		}
		f.webhooks, f.delay = mode, 0
	case modeDelay:
		d, err := time.ParseDuration(arg)
		if err != nil || d < 0 {
			return fmt.Errorf("webhooks %q: want delay:<duration>, e.g. delay:5s", v)
		}
		f.webhooks, f.delay = mode, d
	default:
		return fmt.Errorf("webhooks %q: want deliver, drop, duplicate, reorder or delay:<duration>", v)
	}
	return nil
}
