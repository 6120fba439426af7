package resolve

import (
	"fmt"
	"slices"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
)

// Action names one thing staff can do to a mismatch. The names are also
// the audit log's actions ("mismatch." + name) and the last_action column.
type Action string

const (
	ActionVerifyProvision Action = "verify_provision"
	ActionRefund          Action = "refund"
	ActionLinkAccount     Action = "link_account"
	ActionDismiss         Action = "dismiss"
	ActionClaim           Action = "claim"
	ActionNote            Action = "note"
)

// Steps of actions that are recorded but are not actions of their own.
const (
	stepRefundRequested Action = "refund_requested"
	stepRefundRefused   Action = "refund_refused"
	stepRefundPartial   Action = "refund_partial"
	stepTakeOver        Action = "take_over"
)

// everywhere are the actions that fit every kind.
var everywhere = []Action{ActionDismiss, ActionClaim, ActionNote}

// kindActions is doc.go's table: the actions beyond Dismiss, Claim and Note
// that fit each kind, in the order the page shows them.
var kindActions = map[string][]Action{
	billing.KindOrphanPayment:    {ActionVerifyProvision, ActionRefund},
	billing.KindStuckPending:     {ActionVerifyProvision, ActionRefund},
	billing.KindIdentityUnknown:  {ActionLinkAccount, ActionVerifyProvision, ActionRefund},
	billing.KindClaimReview:      {ActionLinkAccount, ActionVerifyProvision, ActionRefund},
	billing.KindAmountMismatch:   {ActionVerifyProvision, ActionRefund},
	billing.KindDuplicatePayment: {ActionRefund},
}

// Actions lists the actions that fit a kind of mismatch, for the page's
// buttons. Any kind may be dismissed, claimed and noted.
func Actions(kind string) []Action {
	return append(slices.Clone(kindActions[kind]), everywhere...)
}

// fits refuses an action that does not apply to the kind, with apperr
// Invalid: a form for another kind, or a hand-made request.
func fits(kind string, a Action) error {
	if slices.Contains(Actions(kind), a) {
		return nil
	}
	return apperr.New(apperr.Invalid, fmt.Sprintf("%s does not apply to a %s mismatch.", a.label(), kindLabel(kind)))
}

func (a Action) label() string {
	switch a {
	case ActionVerifyProvision:
		return "Verify & provision"
	case ActionRefund:
		return "Refund"
	case ActionLinkAccount:
		return "Link account"
	case ActionDismiss:
		return "Dismiss"
	case ActionClaim:
		return "Claim"
	case ActionNote:
		return "Note"
	}
	return string(a)
}

// done says what an action did, after a person's name: "Bob provisioned
// this at 10:42".
func (a Action) done() string {
	switch a {
	case ActionVerifyProvision:
		return "provisioned this"
	case ActionRefund:
		return "refunded this"
	case stepRefundPartial:
		return "partly refunded this"
	case stepRefundRequested:
		return "started a refund on this"
	case stepRefundRefused:
		return "tried a refund on this that the processor refused"
	case ActionLinkAccount:
		return "linked this payment to an account"
	case ActionDismiss:
		return "dismissed this"
	case ActionClaim:
		return "claimed this"
	case stepTakeOver:
		return "took this over"
	case ActionNote:
		return "added a note to this"
	}
	return "changed this"
}

func kindLabel(kind string) string {
	switch kind {
	case billing.KindOrphanPayment:
		return "payment with no order"
	case billing.KindStuckPending:
		return "stuck pending order"
	case billing.KindIdentityUnknown:
		return "payment of unknown identity"
	case billing.KindClaimReview:
		return "claim to review"
	case billing.KindAmountMismatch:
		return "wrong amount"
	case billing.KindDuplicatePayment:
		return "duplicate payment"
	case billing.KindRefundedActive:
		return "refunded but active"
	case billing.KindDisputed:
		return "disputed payment"
	case billing.KindUnpaidFulfilled:
		return "served but unpaid"
	case billing.KindExpiredPending:
		return "expired checkout"
	case billing.KindEventFailed:
		return "processor event we could not handle"
	}
	return kind
}
