package store_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/store"
)

func seedDraftTemplate(t *testing.T) *store.Store {
	t.Helper()
	st := store.New(dbtest.New(t))
	_, err := st.SeedTemplate(t.Context(), store.EmailTemplate{Name: "refund_issued", Subject: "s", HTMLBody: "h", TextBody: "t", DefaultHash: "aa"})
	require.NoError(t, err)
	return st
}

// A put names the revision it replaces; the statement itself refuses any
// other, so a caller that forgot the lock still cannot lose a save.
func TestPutTemplateDraftChecksTheRevision(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := seedDraftTemplate(t)
	put := func(d store.TemplateDraft) (store.TemplateDraft, error) {
		var out store.TemplateDraft
		err := st.InTx(ctx, func(tx *store.Tx) (err error) {
			out, err = tx.PutTemplateDraft(ctx, d)
			return err
		})
		return out, err
	}
	d := store.TemplateDraft{Name: "refund_issued", Subject: "one", HTMLBody: "h", TextBody: "t", DefaultHash: "aa", UpdatedBy: "sam@example.com"}
	got, err := put(d)
	require.NoError(t, err)
	assert.Equal(t, 1, got.Revision)
	_, err = put(d)
	assert.True(t, apperr.Is(err, apperr.Conflict), "a second first draft: %v", err)

	d.Revision, d.Subject = 1, "two"
	got, err = put(d)
	require.NoError(t, err)
	assert.Equal(t, 2, got.Revision)
	d.Subject = "stale"
	_, err = put(d)
	assert.True(t, apperr.Is(err, apperr.Conflict), "revision 1 is gone: %v", err)
	saved, err := st.TemplateDraft(ctx, "refund_issued")
	require.NoError(t, err)
	assert.Equal(t, "two", saved.Subject)
}

// LockTemplateDraft and LockLiveTemplate hold their rows until the
// transaction ends: a second transaction that asks for the same lock waits
// (and here, with a short lock_timeout, gives up).
func TestTemplateLocksHoldTheirRows(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := seedDraftTemplate(t)
	require.NoError(t, st.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.PutTemplateDraft(ctx, store.TemplateDraft{Name: "refund_issued", Subject: "d", HTMLBody: "h", TextBody: "t", UpdatedBy: "sam@example.com"})
		return err
	}))
	for name, lock := range map[string]func(tx *store.Tx) error{
		"draft": func(tx *store.Tx) error { _, err := tx.LockTemplateDraft(ctx, "refund_issued"); return err },
		"live":  func(tx *store.Tx) error { _, err := tx.LockLiveTemplate(ctx, "refund_issued"); return err },
	} {
		err := st.InTx(ctx, func(first *store.Tx) error {
			require.NoError(t, lock(first))
			return st.InTx(ctx, func(second *store.Tx) error {
				_, err := second.ExecContext(ctx, `SET LOCAL lock_timeout = '200ms'`)
				require.NoError(t, err)
				return lock(second)
			})
		})
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "lock timeout", name)
	}
}

// The emails a mismatch page lists say which version each was rendered
// from, and leave test sends out, even one to the customer's own address
// (a staff member who is also a customer).
func TestCaseEmailsKeepTheVersionAndLeaveOutTests(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := store.New(dbtest.New(t))
	orderID := insertOrder(t, st)
	require.NoError(t, st.InTx(ctx, func(tx *store.Tx) error {
		for _, m := range []store.EmailMessage{
			{Template: "order_confirmation", TemplateVersion: new(3), To: "jane@example.com", OrderID: &orderID, DedupeKey: "k1", MessageID: "<1@x>"},
			{Template: "order_confirmation", Test: true, To: "jane@example.com", DedupeKey: "test:k2", MessageID: "<2@x>"},
		} {
			m.Subject, m.HTMLBody, m.TextBody = "s", "h", "t"
			if _, _, err := tx.InsertEmailMessage(ctx, m); err != nil {
				return err
			}
		}
		return nil
	}))
	for _, by := range []struct {
		order int64
		email string
	}{{orderID, ""}, {0, "JANE@example.com"}} {
		emails, err := st.CaseEmails(ctx, by.order, by.email, 10)
		require.NoError(t, err)
		require.Len(t, emails, 1, "%+v", by)
		assert.Equal(t, new(3), emails[0].TemplateVersion)
	}
	_, err := st.DB().ExecContext(ctx, `INSERT INTO email_messages (template, to_email, subject, html_body, text_body, dedupe_key, message_id)
		VALUES ('order_confirmation', 'x@example.com', 's', 'h', 't', 'k3', '<3@x>')`)
	assert.ErrorContains(t, err, "email_messages_version_check", "a customer's email always has a version")
}
