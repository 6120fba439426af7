package billing

import (
	"cmp"
	"log/slog"
	"runtime"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/backstophq/backstop/internal/fault"
)

// Service runs the money workflows. It is safe for concurrent use; every
// workflow is idempotent, so callers may repeat or race calls freely.
type Service struct {
	store   Store
	proc    Processor
	faults  *fault.Points
	logger  *slog.Logger
	now     func() time.Time
	started time.Time
	baseURL string
	// renewalGrace: how long a failed renewal keeps access.
	renewalGrace time.Duration
	// inflight joins deliveries of one event that arrive together, so
	// they cost one handling and one set of processor calls.
	inflight singleflight.Group
	// eventSlots bounds the events whose database work runs at once.
	eventSlots chan struct{}
}

// Deps are what a Service needs.
type Deps struct {
	Store     Store
	Processor Processor
	Faults    *fault.Points
	Logger    *slog.Logger
	// BaseURL is the app's public URL, used for return and status links.
	BaseURL string
	// Now defaults to time.Now.
	Now func() time.Time
	// RenewalGrace is how long a failed renewal keeps access after the
	// paid period's end; zero means DefaultRenewalGrace.
	RenewalGrace time.Duration
	// EventSlots is how many events may do their database work at once;
	// zero means DefaultEventSlots.
	EventSlots int
}

// DefaultEventSlots is four events' database work at once per core. A
// burst of webhooks (a processor delivering a backlog after an outage)
// goes fastest through PostgreSQL a few transactions at a time: on two
// cores, twenty at once handled 12–16% fewer events a second than eight,
// so a queue, once formed, grew. The rest wait their turn here, holding
// no connection; the processor reads of an event take no slot, so no
// event waits on another's network call.
func DefaultEventSlots() int { return 4 * runtime.GOMAXPROCS(0) }

// DefaultRenewalGrace is RENEWAL_GRACE's default.
const DefaultRenewalGrace = 7 * 24 * time.Hour

// GraceEnd is when the access a failed renewal keeps runs out: the unpaid
// period's start plus grace (RENEWAL_GRACE; DefaultRenewalGrace when zero).
// Billing keeps access to it; the console shows it beside the invoice.
func GraceEnd(periodStart time.Time, grace time.Duration) time.Time {
	return periodStart.Add(cmp.Or(grace, DefaultRenewalGrace))
}

// NewService returns a Service. Its start time matters: a fulfilment by a
// process that started after the payment came after a crash or a restart,
// so the customer gets the recovery email rather than a plain confirmation.
func NewService(d Deps) *Service {
	now := d.Now
	if now == nil {
		now = time.Now
	}
	logger := d.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{
		store: d.Store, proc: d.Processor, faults: d.Faults,
		logger: logger, now: now, started: now(), baseURL: d.BaseURL, renewalGrace: cmp.Or(d.RenewalGrace, DefaultRenewalGrace),
		eventSlots: make(chan struct{}, cmp.Or(d.EventSlots, DefaultEventSlots())),
	}
}

// StatusURL is where a customer watches their order.
func (s *Service) StatusURL(publicRef string) string {
	return s.baseURL + "/status/" + publicRef
}

// ClaimURL is where a customer charged for something they cannot find
// claims it.
func (s *Service) ClaimURL() string { return s.baseURL + "/claim" }
