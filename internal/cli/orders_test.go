package cli

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOrdersJSON: `backstop orders --json` prints exactly the documented
// fields, with the fulfilment path and null for what is not set yet.
func TestOrdersJSON(t *testing.T) {
	s := newTestStack(t)
	paid, session := s.paidOrder(t, "Paid@Example.test")
	_, err := s.billing.ReturnFromCheckout(t.Context(), session)
	require.NoError(t, err)
	s.paidOrder(t, "other@example.test")

	out, _, err := runInProcess(t, map[string]string{"DATABASE_URL": s.cfg.DatabaseURL}, "orders", "--email", "paid@example.test", "--json")
	require.NoError(t, err)
	var rows []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &rows))
	require.Len(t, rows, 1, "filtered by email, case-insensitively")
	keys := []string{"id", "public_ref", "email", "plan", "amount", "currency", "status", "fulfilled_via",
		"checkout_session_id", "payment_intent_id", "created_at", "fulfilled_at"}
	require.Len(t, rows[0], len(keys))
	for _, k := range keys {
		require.Contains(t, rows[0], k)
	}
	require.Equal(t, paid.PublicRef, rows[0]["public_ref"])
	require.Equal(t, "pro-yearly", rows[0]["plan"])
	require.EqualValues(t, 24900, rows[0]["amount"])
	require.Equal(t, "fulfilled", rows[0]["status"])
	require.Equal(t, "return_page", rows[0]["fulfilled_via"])
	require.Equal(t, session, rows[0]["checkout_session_id"])
	require.NotNil(t, rows[0]["fulfilled_at"])

	out, _, err = runInProcess(t, map[string]string{"DATABASE_URL": s.cfg.DatabaseURL}, "orders", "--json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal([]byte(out), &rows))
	require.Len(t, rows, 2)
	require.Equal(t, "pending", rows[1]["status"])
	require.Nil(t, rows[1]["fulfilled_via"])
	require.Nil(t, rows[1]["payment_intent_id"], "unpaid: no payment intent yet")
}
