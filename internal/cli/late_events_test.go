package cli

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/recon"
	"github.com/backstophq/backstop/internal/store"
)

// onlyMismatch returns the one mismatch of kind, whatever its status.
func (s *testStack) onlyMismatch(t *testing.T, kind string) store.Mismatch {
	t.Helper()
	var out []store.Mismatch
	for _, m := range s.mismatches(t, "") {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	require.Len(t, out, 1, "%s mismatches", kind)
	return out[0]
}

func evidence(t *testing.T, m store.Mismatch) map[string]map[string]any {
	t.Helper()
	var ev map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(m.Evidence, &ev))
	out := map[string]map[string]any{}
	for k, raw := range ev {
		var obj map[string]any
		if json.Unmarshal(raw, &obj) == nil {
			out[k] = obj
		}
	}
	return out
}

// requireAccessKept checks the order's grant is still in force: a refund or
// a dispute never revokes access by itself.
func (s *testStack) requireAccessKept(t *testing.T, o billing.Order) {
	t.Helper()
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM entitlement_grants g
		JOIN entitlements e ON e.account_id = g.account_id AND e.plan_code = g.plan_code
		WHERE g.order_id = $1 AND e.valid_until > now() + interval '300 days'`, o.ID), "access revoked")
}

// TestLateRefundOfServedOrder: a served order refunded in full at the
// processor says refunded, keeps its access, and a refunded_active
// mismatch opens from the webhook at once, which the sweep then updates
// rather than duplicates.
func TestLateRefundOfServedOrder(t *testing.T) {
	s := sweepStack(t)
	o, p := s.served(t, "late-refund@example.test")
	s.simPost(t, "/_sim/charges/"+p.Charge+"/refund", `{}`)
	require.Equal(t, http.StatusOK, s.deliver(t, s.event(t, billing.EventChargeRefunded)))

	require.Equal(t, billing.StatusRefunded, s.orderByRef(t, o.PublicRef).Status)
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'refunded'`, o.ID))
	s.requireAccessKept(t, o)
	m := s.onlyMismatch(t, billing.KindRefundedActive)
	require.Equal(t, "open", m.Status)
	require.Equal(t, p.Charge, m.Subject, "the sweep's subject: the charge")
	require.Equal(t, o.ID, *m.OrderID)
	require.Nil(t, m.DetectedByRun, "found by the webhook, not a sweep")
	ev := evidence(t, m)
	require.Equal(t, true, ev["refund"]["charge_refunded"])
	require.Equal(t, float64(24900), ev["refund"]["refunded_total"])
	require.Equal(t, p.Charge, ev["charge"]["id"])

	res := s.sweep(t, recon.SweepOptions{})
	require.Zero(t, res.MismatchesOpened)
	m = s.onlyMismatch(t, billing.KindRefundedActive)
	require.Equal(t, "open", m.Status)
	require.NotNil(t, m.LastSeenRun, "the sweep updated the webhook's mismatch")
}

// TestLateDisputeWon: a dispute on a served order makes it disputed and
// opens an urgent disputed mismatch with the evidence deadline at once;
// the sweep updates it; the dispute won resolves it and the order is
// fulfilled again. Access is kept throughout.
func TestLateDisputeWon(t *testing.T) {
	s := sweepStack(t)
	o, p := s.served(t, "late-dispute@example.test")
	dp := s.dispute(t, p.Charge)
	require.Equal(t, http.StatusOK, s.deliver(t, s.event(t, billing.EventDisputeCreated)))

	require.Equal(t, billing.StatusDisputed, s.orderByRef(t, o.PublicRef).Status)
	s.requireAccessKept(t, o)
	m := s.onlyMismatch(t, billing.KindDisputed)
	require.Equal(t, "open", m.Status)
	require.Equal(t, dp, m.Subject, "the sweep's subject: the dispute")
	require.True(t, m.Urgent)
	require.NotNil(t, m.EvidenceDueBy)
	require.WithinDuration(t, time.Now().Add(7*24*time.Hour), *m.EvidenceDueBy, time.Hour)
	require.Equal(t, o.ID, *m.OrderID)
	ev := evidence(t, m)
	require.Equal(t, "needs_response", ev["dispute"]["status"])
	require.Equal(t, true, ev["charge"]["disputed"])

	res := s.sweep(t, recon.SweepOptions{})
	require.Zero(t, res.MismatchesOpened)
	require.NotNil(t, s.onlyMismatch(t, billing.KindDisputed).LastSeenRun, "the sweep updated the webhook's mismatch")

	s.simPost(t, "/_sim/disputes/"+dp+"/close", `{"status":"won"}`)
	require.Equal(t, http.StatusOK, s.deliver(t, s.event(t, billing.EventDisputeClosed)))
	m = s.onlyMismatch(t, billing.KindDisputed)
	require.Equal(t, "resolved", m.Status)
	require.Contains(t, *m.Resolution, "won")
	require.Equal(t, billing.StatusFulfilled, s.orderByRef(t, o.PublicRef).Status)
	s.requireAccessKept(t, o)

	s.sweep(t, recon.SweepOptions{})
	require.Equal(t, "resolved", s.onlyMismatch(t, billing.KindDisputed).Status, "a won dispute stays resolved")
}

// TestLateDisputeLost: a lost dispute leaves its mismatch open for a
// person, its evidence saying lost, through later sweeps too.
func TestLateDisputeLost(t *testing.T) {
	s := sweepStack(t)
	o, p := s.served(t, "dispute-lost@example.test")
	dp := s.dispute(t, p.Charge)
	require.Equal(t, http.StatusOK, s.deliver(t, s.event(t, billing.EventDisputeCreated)))
	s.simPost(t, "/_sim/disputes/"+dp+"/close", `{"status":"lost"}`)
	require.Equal(t, http.StatusOK, s.deliver(t, s.event(t, billing.EventDisputeClosed)))

	m := s.onlyMismatch(t, billing.KindDisputed)
	require.Equal(t, "open", m.Status)
	require.Equal(t, "lost", evidence(t, m)["dispute"]["status"])
	require.Equal(t, billing.StatusDisputed, s.orderByRef(t, o.PublicRef).Status)
	s.requireAccessKept(t, o)

	s.sweep(t, recon.SweepOptions{})
	m = s.onlyMismatch(t, billing.KindDisputed)
	require.Equal(t, "open", m.Status, "the sweep does not close a lost dispute a person must look at")
	require.Equal(t, "lost", evidence(t, m)["dispute"]["status"])
}

// TestDisputeClosedBeforeCreated: the processor delivers a won dispute's
// closing before its creation. Both read the dispute live, so the end is
// the same as in order: the order fulfilled, one disputed mismatch,
// resolved as won.
func TestDisputeClosedBeforeCreated(t *testing.T) {
	s := newTestStack(t)
	o, p := s.served(t, "closed-first@example.test")
	dp := s.dispute(t, p.Charge)
	created := s.event(t, billing.EventDisputeCreated)
	s.simPost(t, "/_sim/disputes/"+dp+"/close", `{"status":"won"}`)
	require.Equal(t, http.StatusOK, s.deliver(t, s.event(t, billing.EventDisputeClosed)))
	require.Equal(t, http.StatusOK, s.deliver(t, created))

	m := s.onlyMismatch(t, billing.KindDisputed)
	require.Equal(t, "resolved", m.Status)
	require.Contains(t, *m.Resolution, "won")
	require.Equal(t, billing.StatusFulfilled, s.orderByRef(t, o.PublicRef).Status)
	require.Zero(t, s.count(t, `SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'disputed'`, o.ID))
	s.requireAccessKept(t, o)
}
