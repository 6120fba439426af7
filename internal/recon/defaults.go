package recon

import (
	"cmp"
	"log/slog"
	"time"

	"github.com/backstophq/backstop/internal/billing"
)

// setDefaults fills a part's clock and logger when its wiring left them
// unset: the constructors call it once, so the methods use both directly.
func setDefaults(now *func() time.Time, logger **slog.Logger) {
	if *now == nil {
		*now = time.Now
	}
	if *logger == nil {
		*logger = slog.New(slog.DiscardHandler)
	}
}

// NewSweeper returns the sweep with s's fields, its clock and logger
// defaulted.
func NewSweeper(s Sweeper) *Sweeper {
	setDefaults(&s.Now, &s.Logger)
	s.RenewalGrace = cmp.Or(s.RenewalGrace, billing.DefaultRenewalGrace) // as billing reads it
	return &s
}

// NewCatchUp returns event catch-up with c's fields, its clock, logger and
// retry policy defaulted.
func NewCatchUp(c CatchUp) *CatchUp {
	setDefaults(&c.Now, &c.Logger)
	if c.Retry == (RetryPolicy{}) {
		c.Retry = DefaultRetry
	}
	return &c
}

// NewAlerter returns the alerter with a's fields, its clock and logger
// defaulted.
func NewAlerter(a Alerter) *Alerter {
	setDefaults(&a.Now, &a.Logger)
	return &a
}
