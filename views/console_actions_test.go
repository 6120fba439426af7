package views

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/resolve"
)

// Both pages that show a mismatch's actions (its own page and the
// customer's) build them here, so what an open or a closed mismatch offers
// cannot differ between them.
func TestNewCaseActionsOffersByStatus(t *testing.T) {
	shell := ConsoleShell{Email: "ann@shop.test", CSRFToken: "tok"}
	open := NewCaseActions(shell, CaseState{ID: 7, Kind: billing.KindDuplicatePayment, Status: "open", Version: 3,
		ClaimedBy: "ann@shop.test", Granted: true, Subscription: "sub_1"})
	require.Equal(t, resolve.Actions(billing.KindDuplicatePayment), open.Offered)
	require.NotEmpty(t, open.Reasons)
	require.True(t, open.Mine)
	require.Equal(t, "tok", open.CSRFToken)
	require.Equal(t, 3, open.Version)
	require.True(t, open.Granted)
	require.Equal(t, "sub_1", open.Subscription)

	closed := NewCaseActions(shell, CaseState{ID: 7, Kind: billing.KindDuplicatePayment, Status: "resolved",
		ClaimedBy: "bob@shop.test"})
	require.Equal(t, []resolve.Action{resolve.ActionNote}, closed.Offered)
	require.Empty(t, closed.Reasons)
	require.False(t, closed.Mine)

	unclaimed := NewCaseActions(ConsoleShell{}, CaseState{Status: "open"})
	require.False(t, unclaimed.Mine, "no claim is nobody's, even with no one signed in")
}

// The refund form says, before anyone clicks, which reasons cancel the
// subscription the payment paid for; a payment that paid for none says
// nothing of renewals.
func TestRenewalWordsNameTheReasonsThatCancel(t *testing.T) {
	a := NewCaseActions(ConsoleShell{}, CaseState{Kind: billing.KindDuplicatePayment, Status: "open", Subscription: "sub_9"})
	require.Equal(t, "This payment paid for subscription sub_9. A full refund for a duplicate, the customer's request, "+
		"a payment we cannot serve or fraud also cancels it at the processor, so the customer is not charged for it again; "+
		"for another reason it keeps renewing.", a.renewalWords())
	a.Subscription = ""
	require.Empty(t, a.renewalWords())
}
