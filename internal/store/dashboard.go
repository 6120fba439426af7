package store

import (
	"context"
	"fmt"
	"time"
)

// OrderDay is how many orders were paid, and how many served, on one UTC
// day.
type OrderDay struct {
	Day       time.Time `db:"day"`
	Paid      int       `db:"paid"`
	Fulfilled int       `db:"fulfilled"`
}

// OrdersByDay counts the orders paid (paid_at) and served (fulfilled_at)
// on each of the days UTC days ending with last's day, oldest first, every
// day present (zero when nothing happened). One statement: the days come
// from generate_series, each count from one range scan of its index. The
// days are date arithmetic on purpose: a series of timestamps would depend
// on the session's time zone.
func (s *Store) OrdersByDay(ctx context.Context, last time.Time, days int) ([]OrderDay, error) {
	const q = `
		WITH days AS (
			SELECT CAST($1 AS date) - g AS day FROM generate_series(0, $2 - 1) AS g
		), paid AS (
			SELECT CAST(paid_at AT TIME ZONE 'UTC' AS date) AS day, count(*) AS n
			FROM orders WHERE paid_at >= $3 AND paid_at < $4 GROUP BY 1
		), served AS (
			SELECT CAST(fulfilled_at AT TIME ZONE 'UTC' AS date) AS day, count(*) AS n
			FROM orders WHERE fulfilled_at >= $3 AND fulfilled_at < $4 GROUP BY 1
		)
		SELECT days.day, COALESCE(paid.n, 0) AS paid, COALESCE(served.n, 0) AS fulfilled
		FROM days LEFT JOIN paid USING (day) LEFT JOIN served USING (day)
		ORDER BY days.day`
	lastDay := last.UTC().Truncate(24 * time.Hour)
	from, to := lastDay.AddDate(0, 0, 1-days), lastDay.AddDate(0, 0, 1)
	out := []OrderDay{}
	if err := s.db.SelectContext(ctx, &out, q, lastDay.Format(time.DateOnly), days, from, to); err != nil {
		return nil, fmt.Errorf("orders by day: %w", mapErr(err))
	}
	return out, nil
}

// MoneyAtRisk is the total of the open mismatches in one currency.
type MoneyAtRisk struct {
	Currency   string `db:"currency"`
	Amount     int64  `db:"amount"`
	Mismatches int    `db:"mismatches"`
}

// OpenMismatchAmounts sums the amounts of the open mismatches by currency,
// the largest first.
func (s *Store) OpenMismatchAmounts(ctx context.Context) ([]MoneyAtRisk, error) {
	const q = `
		SELECT currency, sum(amount) AS amount, count(*) AS mismatches
		FROM mismatches
		WHERE status = 'open' AND amount IS NOT NULL AND currency IS NOT NULL
		GROUP BY currency ORDER BY sum(amount) DESC, currency`
	out := []MoneyAtRisk{}
	if err := s.db.SelectContext(ctx, &out, q); err != nil {
		return nil, fmt.Errorf("open mismatch amounts: %w", mapErr(err))
	}
	return out, nil
}

// OpenDisputes lists the open disputed mismatches, the nearest evidence
// deadline first, at most limit.
func (s *Store) OpenDisputes(ctx context.Context, limit int) ([]MismatchSummary, error) {
	q := `SELECT ` + summaryColumns + `
		FROM mismatches m LEFT JOIN orders o ON o.id = m.order_id
		WHERE m.status = 'open' AND m.kind = 'disputed'
		ORDER BY ` + queueUrgency + `, ` + queueAt + `, m.id
		LIMIT $1`
	out := []MismatchSummary{}
	if err := s.db.SelectContext(ctx, &out, q, limit); err != nil {
		return nil, fmt.Errorf("open disputes: %w", mapErr(err))
	}
	return out, nil
}
