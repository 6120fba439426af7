package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// CustomerMatch is one thing a search key found: the customer it belongs
// to (Email, "" when the thing names nobody, such as a payment without a
// usable email) and what matched.
type CustomerMatch struct {
	Email string `db:"email"`
	// Via is the kind of key that matched: email, public_ref, error_ref,
	// order_id, payment_intent, charge or checkout_session.
	Via        string    `db:"via"`
	OrderID    int64     `db:"order_id"`
	MismatchID int64     `db:"mismatch_id"`
	Detail     string    `db:"detail"` // e.g. the error report's route
	At         time.Time `db:"at"`
}

// searchLimit bounds the matches one search returns: a key is specific,
// and the page lists a few.
const searchLimit = 20

// SearchCustomers finds what key names, in one statement over indexed
// columns: an email (orders, accounts, emails, mismatches), a public
// reference, an error page's reference, an order id, a payment intent,
// a charge or a checkout session (orders first, then mismatches, for
// payments we hold no order for). Matches are newest first; none is an
// empty list, not an error.
func (s *Store) SearchCustomers(ctx context.Context, key string) ([]CustomerMatch, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return []CustomerMatch{}, nil
	}
	var orderID int64 // 0 matches no order: ids start at 1
	if n, err := strconv.ParseInt(strings.TrimPrefix(key, "#"), 10, 64); err == nil && n > 0 {
		orderID = n
	}
	const q = `
		WITH hits AS (
			SELECT lower(email) AS email, 'email' AS via, id AS order_id, 0 AS mismatch_id, '' AS detail, created_at AS at
				FROM orders WHERE lower(email) = lower($1)
			UNION ALL SELECT lower(email), 'email', 0, 0, '', created_at FROM accounts WHERE lower(email) = lower($1)
			UNION ALL SELECT lower(to_email), 'email', 0, 0, '', created_at
				FROM email_messages WHERE lower(to_email) = lower($1) AND NOT test
			UNION ALL SELECT lower(email), 'email', 0, id, '', detected_at FROM mismatches WHERE lower(email) = lower($1) AND email IS NOT NULL
			UNION ALL SELECT lower(email), 'public_ref', id, 0, '', created_at FROM orders WHERE public_ref = $1
			UNION ALL SELECT lower(email), 'order_id', id, 0, '', created_at FROM orders WHERE id = $2
			UNION ALL SELECT lower(email), 'payment_intent', id, 0, '', created_at FROM orders WHERE payment_intent_id = $1
			UNION ALL SELECT lower(email), 'charge', id, 0, '', created_at FROM orders WHERE charge_id = $1
			UNION ALL SELECT lower(email), 'checkout_session', id, 0, '', created_at FROM orders WHERE checkout_session_id = $1
			UNION ALL SELECT COALESCE(lower(o.email), ''), 'error_ref', COALESCE(e.order_id, 0), 0,
					e.method || ' ' || e.route, e.created_at
				FROM error_reports e LEFT JOIN orders o ON o.id = e.order_id WHERE e.ref = $1
			UNION ALL SELECT COALESCE(lower(COALESCE(m.email, o.email)), ''), 'payment_intent', COALESCE(m.order_id, 0), m.id, '', m.detected_at
				FROM mismatches m LEFT JOIN orders o ON o.id = m.order_id WHERE m.payment_intent_id = $1
			UNION ALL SELECT COALESCE(lower(COALESCE(m.email, o.email)), ''), 'charge', COALESCE(m.order_id, 0), m.id, '', m.detected_at
				FROM mismatches m LEFT JOIN orders o ON o.id = m.order_id WHERE m.charge_id = $1
		)
		SELECT email, via, order_id, mismatch_id, detail, at FROM hits ORDER BY at DESC, order_id DESC LIMIT $3`
	out := []CustomerMatch{}
	if err := s.db.SelectContext(ctx, &out, q, key, orderID, searchLimit); err != nil {
		return nil, fmt.Errorf("search customers: %w", mapErr(err))
	}
	return out, nil
}
