package incident

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/recon"
	"github.com/backstophq/backstop/internal/store"
)

// MaxWindow is the longest window an incident may cover: the processor
// listing of a longer one would compete with checkout for minutes, and an
// outage longer than that is the sweep's job.
const MaxWindow = 72 * time.Hour

// Enqueuer inserts the run's jobs in the transaction that starts the run,
// so the jobs exist if and only if the run was recorded.
type Enqueuer interface {
	EnqueueIncidentTx(ctx context.Context, tx *sql.Tx, incidentID int64, paymentIntentIDs []string) error
}

// Provisioner runs fn in one transaction in which fulfill is billing's
// FulfillTx with fulfilled_via = incident, so the outcome and its audit row
// commit with the grant or not at all.
type Provisioner interface {
	InTx(ctx context.Context, fn func(tx *store.Tx, fulfill func(billing.PaidCheckout) (billing.Outcome, error)) error) error
}

// Mailer queues one incident_apology inside tx; false when its dedupe key
// had queued it already.
type Mailer interface {
	QueueApologyTx(ctx context.Context, tx *store.Tx, a Apology) (bool, error)
}

// Apology is what one affected customer's apology says.
type Apology struct {
	IncidentID int64
	To         string
	OrderID    int64
	PublicRef  string
	PlanCode   string
	Amount     int64
	Currency   string
	Window     string // e.g. "between 10:02 and 10:17 UTC on 1 December 2026"
	Outcome    string // what we did, in words
}

// DedupeKey is the one apology per incident and address.
func (a Apology) DedupeKey() string {
	return "incident:" + itoa(a.IncidentID) + ":apology:" + lower(a.To)
}

// Service plans and runs incidents. Its fields are set once at wiring.
type Service struct {
	Store     *store.Store
	Proc      recon.Lister
	Jobs      Enqueuer
	Provision Provisioner
	Mail      Mailer
	Logger    *slog.Logger
	Now       func() time.Time
}
