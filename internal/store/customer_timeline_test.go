package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/store"
)

// TestCustomerTimelineKeysetPages: walking the timeline page by page gives
// every item once, newest first, even where many items share one moment
// (order events written in one transaction) and the page ends among them.
func TestCustomerTimelineKeysetPages(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	db := s.DB()
	_, err := db.Exec(insertPlan)
	require.NoError(t, err)
	at := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	var order int64
	require.NoError(t, db.Get(&order, `
		INSERT INTO orders (public_ref, email, plan_code, amount, currency, idempotency_key, payment_intent_id, created_at, paid_at)
		VALUES ('BK-T', 'tim@example.test', 'p', 100, 'usd', 'k', 'pi_t', $1, $1) RETURNING id`, at))
	_, err = db.Exec(`INSERT INTO order_events (order_id, kind, created_at)
		SELECT $1, 'note_' || i, CAST($2 AS timestamptz) + (i / 4) * interval '1 second' FROM generate_series(1, 23) AS i`, order, at)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO email_messages (template, template_version, to_email, subject, html_body, text_body,
			dedupe_key, message_id, created_at)
		SELECT 'order_confirmation', 0, 'TIM@example.test', 's', 'h', 't', 'd' || i, 'm' || i, $1
		FROM generate_series(1, 5) AS i`, at)
	require.NoError(t, err)
	// Someone else's rows never show.
	_, err = db.Exec(`INSERT INTO email_messages (template, template_version, to_email, subject, html_body, text_body,
		dedupe_key, message_id) VALUES ('order_confirmation', 0, 'else@example.test', 's', 'h', 't', 'x', 'y')`)
	require.NoError(t, err)

	all, next, err := s.CustomerTimeline(ctx, "tim@example.test", nil, 1000)
	require.NoError(t, err)
	require.Nil(t, next)
	require.Len(t, all, 1+1+23+5, "the order, its payment, its events and the emails")

	var walked []store.CustomerItem
	var cur *store.TimelineCursor
	for pages := 0; ; pages++ {
		require.Less(t, pages, 20, "paging does not end")
		page, n, err := s.CustomerTimeline(ctx, "tim@example.test", cur, 4)
		require.NoError(t, err)
		walked = append(walked, page...)
		if n == nil {
			break
		}
		cur = n
	}
	require.Equal(t, all, walked)
	for i := 1; i < len(all); i++ {
		require.False(t, all[i].At.After(all[i-1].At), "newest first")
	}
}
