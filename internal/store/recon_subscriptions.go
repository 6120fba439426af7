package store

import (
	"context"
	"fmt"
	"time"

	"github.com/backstophq/backstop/internal/billing"
)

const copySubscriptions = `COPY recon_subscriptions (run_id, id, status, current_period_end, ended_at) FROM STDIN`

// StageSubscriptions copies one batch of listed subscriptions for a run
// into staging.
func (s *Store) StageSubscriptions(ctx context.Context, runID int64, subs []billing.Subscription) error {
	if len(subs) == 0 {
		return nil
	}
	err := s.copyIn(ctx, copySubscriptions, len(subs), func(l copyLine, i int) copyLine {
		sub := &subs[i]
		return l.int(runID).text(sub.ID).text(sub.Status).time(sub.CurrentPeriodEnd).time(sub.EndedAt)
	})
	if err != nil {
		return fmt.Errorf("stage %d subscriptions: %w", len(subs), mapErr(err))
	}
	return nil
}

// ClassifySubscriptions writes a run's lapsed_unpaid findings in one
// statement: subscriptions of ours the processor says ended or went
// unpaid while the account's access runs past the latest period their paid
// invoices granted plus grace. Access is never ended here: a person
// decides, with the processor's status and both dates in the evidence.
func (s *Store) ClassifySubscriptions(ctx context.Context, runID int64, grace time.Duration) error {
	const q = `
		INSERT INTO recon_findings (run_id, kind, subject, action, subject_at, order_id, email, evidence)
		SELECT DISTINCT ON (r.id) r.run_id, $2, 'subscription:' || r.id, 'queue', sub.created_at, sub.order_id, sub.email,
			jsonb_build_object('subscription', r.id, 'processor_status', r.status,
				'processor_period_end', r.current_period_end, 'ended_at', r.ended_at,
				'granted_until', g.until, 'access_until', e.valid_until)
		FROM recon_subscriptions r
		JOIN subscriptions sub ON sub.id = r.id
		JOIN entitlements e ON e.account_id = sub.account_id AND e.plan_code = sub.plan_code
		JOIN LATERAL (SELECT max(valid_until) AS until FROM invoice_grants WHERE subscription_id = r.id) g ON true
		WHERE r.run_id = $1 AND r.status IN ('canceled', 'unpaid', 'incomplete_expired')
			AND e.valid_until > g.until + make_interval(secs => $3)
		ON CONFLICT (run_id, kind, subject) DO NOTHING`
	if _, err := s.db.ExecContext(ctx, q, runID, billing.KindLapsedUnpaid, grace.Seconds()); err != nil {
		return fmt.Errorf("classify subscriptions: %w", mapErr(err))
	}
	return nil
}
