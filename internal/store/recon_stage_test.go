package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/store"
)

// TestStageObjectsKeepsText stages objects whose text holds COPY's special
// characters, and empty values: each reads back exactly, an empty optional
// value as NULL.
func TestStageObjectsKeepsText(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	now := time.Now().UTC().Truncate(time.Microsecond)
	awkward := "tab\there\\back\nline\rcr@example.test"
	objs := []store.StagedObject{
		{Object: "payment_intent", ID: "pi_awkward", Status: "succeeded", PaymentIntentID: "pi_awkward",
			Amount: 24900, Currency: "usd", Email: awkward, PublicRef: `\N`, Plan: "p\\", Paid: true, Created: now},
		{Object: "dispute", ID: "dp_1", Reason: "fraudulent", DueBy: now.Add(time.Hour), Created: now},
	}
	require.NoError(t, s.StageObjects(ctx, 7, objs))
	var got struct {
		Email     string
		PublicRef string `db:"public_ref"`
		Plan      string
		Charge    *string
		Created   time.Time
	}
	require.NoError(t, s.DB().Get(&got, `SELECT email, public_ref, plan, charge_id AS charge,
		timestamptz 'epoch' + created_us * interval '1 microsecond' AS created FROM recon_objects WHERE run_id = 7 AND id = 'pi_awkward'`))
	require.Equal(t, awkward, got.Email)
	require.Equal(t, `\N`, got.PublicRef, "a value that looks like NULL is text")
	require.Equal(t, "p\\", got.Plan)
	require.Nil(t, got.Charge)
	require.True(t, got.Created.Equal(now))
	var due time.Time
	var status string
	require.NoError(t, s.DB().QueryRow(`SELECT timestamptz 'epoch' + due_by_us * interval '1 microsecond', status FROM recon_disputes WHERE id = 'dp_1'`).Scan(&due, &status))
	require.True(t, due.Equal(now.Add(time.Hour)))
	require.Equal(t, "", status, "an empty required value stays empty")
}
