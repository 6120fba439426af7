package cli

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/mail"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
)

// noJobs stands in for River: the command only reads what was queued.
type noJobs struct{}

func (noJobs) EnqueueEmailTx(context.Context, *sql.Tx, int64) error { return nil }

func TestEmailsJSON(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := dbtest.URL(t)
	st, err := store.Open(ctx, url)
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, mail.SeedDefaults(ctx, st))
	ob := mail.NewOutbox(st, noJobs{}, "example.com")
	data := mail.SampleData()
	for _, to := range []string{"jane@example.com", "bob@example.com"} {
		require.NoError(t, st.InTx(ctx, func(tx *store.Tx) error {
			_, err := ob.QueueTx(ctx, tx, mail.QueueRequest{Template: mail.StatusLink, To: to, DedupeKey: "status:" + to, Data: data})
			return err
		}))
	}
	d := mail.NewDeliverer(st, mail.DevMailbox{}, "shop@example.com", nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	all, err := st.EmailMessages(ctx, store.EmailFilter{})
	require.NoError(t, err)
	require.NoError(t, d.Deliver(ctx, all[0].ID))

	out, _, err := runInProcess(t, map[string]string{"DATABASE_URL": url}, "emails", "--json")
	require.NoError(t, err)
	var rows []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &rows))
	require.Len(t, rows, 2)
	keys := []string{"id", "template", "to", "subject", "status", "order_id", "dedupe_key", "message_id", "attempts", "created_at", "sent_at"}
	for _, r := range rows {
		assert.Len(t, r, len(keys), "exactly the documented fields")
		for _, k := range keys {
			assert.Contains(t, r, k)
		}
	}
	sent, queued := rows[0], rows[1]
	assert.Equal(t, "jane@example.com", sent["to"])
	assert.Equal(t, "sent", sent["status"])
	assert.Equal(t, 1.0, sent["attempts"])
	assert.Equal(t, mail.StatusLink, sent["template"])
	assert.Equal(t, all[0].MessageID, sent["message_id"])
	assert.Nil(t, sent["order_id"])
	for _, k := range []string{"created_at", "sent_at"} {
		_, err := time.Parse(time.RFC3339, sent[k].(string))
		assert.NoError(t, err, k)
	}
	assert.Equal(t, "queued", queued["status"])
	assert.Nil(t, queued["sent_at"], "null when unset")

	out, _, err = runInProcess(t, map[string]string{"DATABASE_URL": url}, "emails", "--to", "BOB@example.com", "--json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal([]byte(out), &rows))
	require.Len(t, rows, 1)
	assert.Equal(t, "bob@example.com", rows[0]["to"])

	out, _, err = runInProcess(t, map[string]string{"DATABASE_URL": url}, "emails")
	require.NoError(t, err)
	assert.Equal(t, 3, strings.Count(out, "\n"), "a header and two rows: %s", out)
	assert.Contains(t, out, "You already bought Pro (yearly): here is its status (BK-7Q2M-XK4P)")
}

func TestEmailsJSONEmptyIsEmptyArray(t *testing.T) {
	t.Parallel()
	out, _, err := runInProcess(t, map[string]string{"DATABASE_URL": dbtest.URL(t)}, "emails", "--json")
	require.NoError(t, err)
	require.JSONEq(t, `[]`, out)
}

func TestEmailsRequiresDatabaseURL(t *testing.T) {
	t.Parallel()
	_, _, err := runInProcess(t, nil, "emails", "--json")
	require.EqualError(t, err, "DATABASE_URL is required")
}

// A test send from the template editor goes to a staff address and is not
// an email to a customer: `backstop emails` leaves it out.
func TestEmailsLeavesOutTestSends(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := dbtest.URL(t)
	st, err := store.Open(ctx, url)
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, mail.SeedDefaults(ctx, st))
	_, err = st.CreateStaffUser(ctx, staff.User{Email: "sam@example.com", Role: staff.RoleSupport, PasswordHash: "x"},
		staff.AuditEntry{Actor: "test", Action: "staff.created"})
	require.NoError(t, err)
	ed := mail.NewEditor(st, mail.NewOutbox(st, noJobs{}, "example.com"))
	c, _ := mail.Default(mail.OrderConfirmation)
	_, err = ed.TestSend(ctx, mail.TestSend{Name: mail.OrderConfirmation, Content: c, To: "sam@example.com", Actor: "sam@example.com"})
	require.NoError(t, err)
	recent, err := st.RecentEmailMessages(ctx, 10)
	require.NoError(t, err)
	require.Len(t, recent, 1, "the test send is stored")

	out, _, err := runInProcess(t, map[string]string{"DATABASE_URL": url}, "emails", "--json")
	require.NoError(t, err)
	require.JSONEq(t, `[]`, out)
}
