package resolve

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

func TestActionsFitKinds(t *testing.T) {
	cases := []struct {
		kind string
		want []Action
	}{
		{billing.KindIdentityUnknown, []Action{ActionLinkAccount, ActionVerifyProvision, ActionRefund, ActionDismiss, ActionClaim, ActionNote}},
		{billing.KindDuplicatePayment, []Action{ActionRefund, ActionDismiss, ActionClaim, ActionNote}},
		{billing.KindDisputed, []Action{ActionDismiss, ActionClaim, ActionNote}},
		{"unserved_renewal", []Action{ActionDismiss, ActionClaim, ActionNote}},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, Actions(tc.kind), tc.kind)
	}
	require.NoError(t, fits(billing.KindStuckPending, ActionVerifyProvision))
	require.Equal(t, apperr.Invalid, apperr.KindOf(fits(billing.KindRefundedActive, ActionRefund)))
}

func TestRefundable(t *testing.T) {
	paid := facts{Payment: billing.Payment{Status: "succeeded", Amount: 24900, Currency: "usd"},
		Charge: billing.Charge{ID: "ch_1", Amount: 24900, Currency: "usd"}}
	partly := paid
	partly.Charge.AmountRefunded = 900
	full, disputed, failed := paid, paid, paid
	full.Charge.Refunded, full.Charge.AmountRefunded = true, 24900
	disputed.Charge.Disputed = true
	failed.Payment.Status = "requires_payment_method"
	cases := []struct {
		name   string
		f      facts
		want   int64
		amount int64
		err    string
	}{
		{"all of it", paid, 0, 24900, ""},
		{"part of it", paid, 100, 100, ""},
		{"what is left", partly, 0, 24000, ""},
		{"more than is left", partly, 24001, 0, "at most $240.00: $249.00 was paid and $9.00 is already refunded"},
		{"refunded in full", full, 0, 0, "already refunded in full"},
		{"disputed", disputed, 0, 0, "disputed"},
		{"not succeeded", failed, 0, 0, `"requires_payment_method"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := refundable(tc.f, tc.want)
			if tc.err != "" {
				require.Equal(t, apperr.Invalid, apperr.KindOf(err))
				require.Contains(t, apperr.SafeMessage(err, ""), tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.amount, got)
		})
	}
}

func TestAmountRefusal(t *testing.T) {
	plan := billing.Plan{Name: "Pro (yearly)", Amount: 24900, Currency: "usd"}
	f := func(amount, refunded int64, cur string) facts {
		return facts{Payment: billing.Payment{Amount: amount, Currency: cur},
			Charge: billing.Charge{ID: "ch", Amount: amount, AmountRefunded: refunded, Currency: cur}}
	}
	require.Equal(t, "The customer paid $1.00, but Pro (yearly) costs $249.00: refund it, or dismiss it.", amountRefusal(f(100, 0, "usd"), plan))
	require.Equal(t, "The customer paid $300.00, but Pro (yearly) costs $249.00: refund the $51.00 difference, then provision; or refund it all.",
		amountRefusal(f(30000, 0, "usd"), plan))
	require.Equal(t, "The customer paid $300.00 and was refunded $100.00, but Pro (yearly) costs $249.00: refund it, or dismiss it.",
		amountRefusal(f(30000, 10000, "usd"), plan))
	require.Equal(t, "The customer paid 249.00 EUR, but Pro (yearly) costs $249.00: refund it, or dismiss it.", amountRefusal(f(24900, 0, "eur"), plan))
}

func TestWords(t *testing.T) {
	for email, want := range map[string]string{
		"alice@shop.test": "Alice", "alice.smith@shop.test": "Alice Smith", "bob+ops@x.test": "Bob", "@x": "@x",
	} {
		require.Equal(t, want, displayName(email), email)
	}
	now := time.Date(2027, 3, 3, 18, 0, 0, 0, time.UTC)
	require.Equal(t, "10:42 UTC", clock(time.Date(2027, 3, 3, 10, 42, 0, 0, time.UTC), now))
	require.Equal(t, "2 March 10:42 UTC", clock(time.Date(2027, 3, 2, 10, 42, 0, 0, time.UTC), now))

	for addr, ok := range map[string]bool{
		"ana@example.com": true, "Ana <ana@example.com>": false, "ana@localhost": false, "ana@exa mple.com": false,
		"ana@example.com\x00": false, "": false,
	} {
		require.Equal(t, ok, usableEmail(addr), addr)
	}
	for _, bad := range []string{"nul\x00", "bell\a", string([]byte{0xff})} {
		_, err := cleanText("note", bad, 100)
		require.Equal(t, apperr.Invalid, apperr.KindOf(err), "%q", bad)
	}
	got, err := cleanText("note", "  two\nlines\t ", 100)
	require.NoError(t, err)
	require.Equal(t, "two\nlines", got)
	_, err = cleanText("note", "toolong", 3)
	require.Equal(t, apperr.Invalid, apperr.KindOf(err))
}

func TestConflictWordsSayWhoDidWhatAndWhen(t *testing.T) {
	now := time.Date(2027, 3, 3, 18, 0, 0, 0, time.UTC)
	at := time.Date(2027, 3, 3, 10, 42, 0, 0, time.UTC)
	s := New(Deps{Now: func() time.Time { return now }})
	resolved := store.MismatchState{Status: statusResolved, Version: 3, ResolvedAt: &at, ResolvedBy: "bob@shop.test",
		ResolvedAction: string(ActionVerifyProvision)}
	require.Equal(t, "Bob already provisioned this at 10:42 UTC.", apperr.SafeMessage(s.current(resolved, 3), ""))
	auto := store.MismatchState{Status: statusAutoResolved, ResolvedAt: &at, Resolution: "no longer found by sweep run 7"}
	require.Equal(t, "The sweep already closed this at 10:42 UTC: no longer found by sweep run 7.", apperr.SafeMessage(s.current(auto, 0), ""))
	noted := store.MismatchState{Status: statusOpen, Version: 4, LastActor: "alice@shop.test", LastAction: string(ActionNote), LastActionAt: &at}
	require.Equal(t, "Alice added a note to this at 10:42 UTC, after this page was loaded. Reload it to see the change, then try again.",
		apperr.SafeMessage(s.current(noted, 3), ""))
	require.NoError(t, s.current(noted, 4))
}

// TestAssessSaysWhatTheClickWould: the page's verdict is the actions' own
// checks on the same facts.
func TestAssessSaysWhatTheClickWould(t *testing.T) {
	pay := billing.Payment{Status: "succeeded", Amount: 24900, Currency: "usd"}
	ch := billing.Charge{ID: "ch_1", Amount: 24900, Currency: "usd"}
	require.Equal(t, Verdict{Refundable: 24900, Currency: "usd"}, Assess(pay, ch))

	ch.Refunded, ch.AmountRefunded = true, 24900
	v := Assess(pay, ch)
	require.Equal(t, "The processor says this payment was refunded in full: there is nothing to provision.", v.ProvisionRefusal)
	require.Equal(t, "The processor says this payment was already refunded in full.", v.RefundRefusal)
	require.Zero(t, v.Refundable)
}
