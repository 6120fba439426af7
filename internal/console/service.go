package console

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/recon"
	"github.com/backstophq/backstop/internal/store"
)

// Processor is the part of the processor port a mismatch's page reads.
// internal/stripeapi implements it; its errors are apperr kinds.
type Processor interface {
	GetPaymentIntent(ctx context.Context, id string) (billing.Payment, error)
	GetCharge(ctx context.Context, id string) (billing.Charge, error)
	GetCheckoutSession(ctx context.Context, id string) (billing.Session, error)
	GetSubscription(ctx context.Context, id string) (billing.Subscription, error)
}

// AlertSource reports the reconciliation alerts (recon.Alerter).
type AlertSource interface {
	Status(ctx context.Context) ([]recon.AlertStatus, error)
}

// DefaultLiveTimeout bounds the processor calls of one mismatch's page.
const DefaultLiveTimeout = 3 * time.Second

// Service reads what the console shows. It is safe for concurrent use.
type Service struct {
	store       *store.Store
	proc        Processor
	alerts      AlertSource
	now         func() time.Time
	liveTimeout time.Duration
	// renewalGrace is RENEWAL_GRACE: how long a failed renewal keeps
	// access, for the words beside a failed invoice.
	renewalGrace time.Duration
	log          *slog.Logger
}

// Options tune a Service; the zero value is production.
type Options struct {
	Now         func() time.Time // time.Now by default
	LiveTimeout time.Duration    // DefaultLiveTimeout when zero
	// RenewalGrace is RENEWAL_GRACE; zero means billing's default.
	RenewalGrace time.Duration
	Logger       *slog.Logger
}

// New returns a Service reading st, asking proc for live facts and alerts
// for the banner.
func New(st *store.Store, proc Processor, alerts AlertSource, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.LiveTimeout <= 0 {
		o.LiveTimeout = DefaultLiveTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: st, proc: proc, alerts: alerts, now: o.Now, liveTimeout: o.LiveTimeout,
		renewalGrace: o.RenewalGrace, log: o.Logger}
}

// Alert is one raised reconciliation alert, for the banner on every page.
type Alert struct {
	Kind    string // sweep | events
	Message string // in words, e.g. "the last sweep run (#12) failed: …"
	Since   time.Time
}

// Alerts returns the raised reconciliation alerts. When their state cannot
// be read, that is itself an alert: the banner must not go quiet because
// the database is failing.
func (s *Service) Alerts(ctx context.Context) []Alert {
	statuses, err := s.alerts.Status(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "console: reading reconciliation alerts", "err", err)
		return []Alert{{Kind: "unknown", Message: "we could not read whether reconciliation is healthy", Since: s.now()}}
	}
	var out []Alert
	for _, st := range statuses {
		if st.Raised {
			out = append(out, Alert{Kind: st.Kind, Message: st.Reason, Since: st.Since})
		}
	}
	return out
}

// LastOutage is the newest outage any alert saw start and end, for incident
// mode's preset; ok is false when none is recorded.
func (s *Service) LastOutage(ctx context.Context) (o recon.Outage, ok bool, err error) {
	statuses, err := s.alerts.Status(ctx)
	if err != nil {
		return recon.Outage{}, false, err
	}
	for _, st := range statuses {
		if !st.LastOutage.To.IsZero() && st.LastOutage.To.After(o.To) {
			o, ok = st.LastOutage, true
		}
	}
	return o, ok, nil
}

// OpenCount counts the open mismatches, for the queue's live count.
func (s *Service) OpenCount(ctx context.Context) (int, error) {
	return s.store.CountOpenMismatches(ctx)
}

// Money formats an amount for people with its thousands grouped
// ("$24,900.00"), or "" when the currency is unknown.
func Money(amount int64, currency string) string {
	if currency == "" {
		return ""
	}
	s := billing.FormatMoney(amount, currency)
	i := strings.IndexAny(s, "0123456789")
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	var b strings.Builder
	for k := i; k < j; k++ {
		if k > i && (j-k)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(s[k])
	}
	return s[:i] + b.String() + s[j:]
}
