package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/store"
)

func TestTemplateVersions(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := store.New(dbtest.New(t))

	_, err := st.LatestTemplate(ctx, "order_confirmation")
	assert.True(t, apperr.Is(err, apperr.NotFound), "no version yet: %v", err)

	inserted, err := st.SeedTemplate(ctx, store.EmailTemplate{Name: "order_confirmation", Subject: "v0", HTMLBody: "h", TextBody: "t", DefaultHash: "aa"})
	require.NoError(t, err)
	assert.True(t, inserted)
	inserted, err = st.SeedTemplate(ctx, store.EmailTemplate{Name: "order_confirmation", Subject: "other", HTMLBody: "h", TextBody: "t", DefaultHash: "bb"})
	require.NoError(t, err)
	assert.False(t, inserted, "seeding twice never overwrites version 0")
	for hash, subject := range map[string]string{"aa": "v0", "bb": "other"} {
		d, err := st.ShippedDefault(ctx, "order_confirmation", hash)
		require.NoError(t, err, "every default seeded is on record")
		assert.Equal(t, subject, d.Subject)
	}
	_, err = st.ShippedDefault(ctx, "order_confirmation", "cc")
	assert.True(t, apperr.Is(err, apperr.NotFound))

	v1, err := st.InsertTemplateVersion(ctx, store.EmailTemplate{Name: "order_confirmation", Subject: "v1", HTMLBody: "h1", TextBody: "t1", CreatedBy: "sam@example.com", DefaultHash: "aa"})
	require.NoError(t, err)
	assert.Equal(t, 1, v1.Version)
	assert.Equal(t, "sam@example.com", v1.CreatedBy)
	assert.Equal(t, "aa", v1.DefaultHash)
	v2, err := st.InsertTemplateVersion(ctx, store.EmailTemplate{Name: "order_confirmation", Subject: "v0", HTMLBody: "h", TextBody: "t", RevertedFrom: new(0)})
	require.NoError(t, err)
	assert.Equal(t, 2, v2.Version)
	assert.Equal(t, new(0), v2.RevertedFrom)

	latest, err := st.LatestTemplate(ctx, "order_confirmation")
	require.NoError(t, err)
	assert.Equal(t, 2, latest.Version)

	v0, err := st.TemplateVersion(ctx, "order_confirmation", 0)
	require.NoError(t, err)
	assert.Equal(t, "v0", v0.Subject)
	assert.Equal(t, "system", v0.CreatedBy)
	assert.Equal(t, "aa", v0.DefaultHash)

	all, err := st.TemplateVersions(ctx, "order_confirmation")
	require.NoError(t, err)
	assert.Equal(t, []int{2, 1, 0}, []int{all[0].Version, all[1].Version, all[2].Version})

	first, err := st.InsertTemplateVersion(ctx, store.EmailTemplate{Name: "staff_alert", Subject: "s", HTMLBody: "h", TextBody: "t"})
	require.NoError(t, err)
	assert.Equal(t, 1, first.Version, "a template without a default starts at version 1")
}

func TestInsertEmailMessageDedupes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := store.New(dbtest.New(t))
	orderID := insertOrder(t, st)

	m := store.EmailMessage{
		Template: "order_confirmation", TemplateVersion: new(1), To: "Jane@Example.com",
		Subject: "s", HTMLBody: "<p>h</p>", TextBody: "t", OrderID: &orderID,
		DedupeKey: "order:1:order_confirmation", MessageID: "<a@example.com>",
	}
	var id1, id2 int64
	var ins1, ins2 bool
	require.NoError(t, st.InTx(ctx, func(tx *store.Tx) (err error) {
		id1, ins1, err = tx.InsertEmailMessage(ctx, m)
		return err
	}))
	m.MessageID = "<b@example.com>"
	require.NoError(t, st.InTx(ctx, func(tx *store.Tx) (err error) {
		id2, ins2, err = tx.InsertEmailMessage(ctx, m)
		return err
	}))
	assert.True(t, ins1)
	assert.NotZero(t, id1)
	assert.False(t, ins2, "same dedupe key: nothing inserted")
	assert.Zero(t, id2)

	got, err := st.EmailMessage(ctx, id1)
	require.NoError(t, err)
	assert.Equal(t, store.EmailQueued, got.Status)
	assert.Equal(t, "<a@example.com>", got.MessageID)
	assert.Equal(t, orderID, *got.OrderID)
	assert.Nil(t, got.SentAt)
	assert.Empty(t, got.LastError)

	list, err := st.EmailMessages(ctx, store.EmailFilter{To: "jane@example.COM"})
	require.NoError(t, err)
	require.Len(t, list, 1)
	list, err = st.EmailMessages(ctx, store.EmailFilter{To: "other@example.com"})
	require.NoError(t, err)
	assert.Empty(t, list)
	list, err = st.EmailMessages(ctx, store.EmailFilter{OrderID: orderID})
	require.NoError(t, err)
	assert.Len(t, list, 1)

	_, err = st.EmailMessage(ctx, id1+100)
	assert.True(t, apperr.Is(err, apperr.NotFound))
}

func TestEmailDeliveryStates(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := store.New(dbtest.New(t))
	id := insertMessage(t, st, "k1")

	n, err := st.MarkEmailAttempt(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	require.NoError(t, st.RecordEmailError(ctx, id, "451 try later"))
	n, err = st.MarkEmailAttempt(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	require.NoError(t, st.MarkEmailSent(ctx, id))

	m, err := st.EmailMessage(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, store.EmailSent, m.Status)
	assert.Equal(t, 2, m.Attempts)
	assert.Equal(t, "451 try later", m.LastError)
	require.NotNil(t, m.SentAt)

	_, err = st.MarkEmailAttempt(ctx, id)
	assert.True(t, apperr.Is(err, apperr.Conflict), "a sent email takes no more attempts: %v", err)
	require.NoError(t, st.MarkEmailFailed(ctx, id, "late"))
	m, err = st.EmailMessage(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, store.EmailSent, m.Status, "a sent email never turns failed")

	id2 := insertMessage(t, st, "k2")
	require.NoError(t, st.MarkEmailFailed(ctx, id2, "550 no such user"))
	m, err = st.EmailMessage(ctx, id2)
	require.NoError(t, err)
	assert.Equal(t, store.EmailFailed, m.Status)
	assert.Equal(t, "550 no such user", m.LastError)
	require.NoError(t, st.MarkEmailSent(ctx, id2))
	m, err = st.EmailMessage(ctx, id2)
	require.NoError(t, err)
	assert.Equal(t, store.EmailFailed, m.Status)

	all, err := st.EmailMessages(ctx, store.EmailFilter{})
	require.NoError(t, err)
	require.Len(t, all, 2)
	assert.Less(t, all[0].ID, all[1].ID)
}

func insertMessage(t *testing.T, st *store.Store, key string) int64 {
	t.Helper()
	var id int64
	require.NoError(t, st.InTx(t.Context(), func(tx *store.Tx) (err error) {
		id, _, err = tx.InsertEmailMessage(t.Context(), store.EmailMessage{
			Template: "status_link", TemplateVersion: new(1), To: "jane@example.com",
			Subject: "s", HTMLBody: "h", TextBody: "t", DedupeKey: key, MessageID: "<" + key + "@example.com>",
		})
		return err
	}))
	return id
}

// insertOrder makes the order an email may point to, with plain SQL so the
// test depends on no other aggregate's methods.
func insertOrder(t *testing.T, st *store.Store) int64 {
	t.Helper()
	ctx := context.Background()
	db := st.DB()
	_, err := db.ExecContext(ctx, `INSERT INTO plans (code, name, amount, currency, interval) VALUES ('pro-yearly', 'Pro', 24900, 'usd', 'year') ON CONFLICT DO NOTHING`)
	require.NoError(t, err)
	var id int64
	require.NoError(t, db.GetContext(ctx, &id, `INSERT INTO orders (public_ref, email, plan_code, amount, currency, idempotency_key)
		VALUES ('BK-TEST', 'jane@example.com', 'pro-yearly', 24900, 'usd', 'idem-1') RETURNING id`))
	return id
}
