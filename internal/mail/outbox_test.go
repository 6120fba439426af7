package mail

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/store"
)

func TestQueueTxQueuesOncePerDedupeKey(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := store.New(dbtest.New(t))
	enq := &fakeEnqueuer{}
	ob := NewOutbox(st, enq, "mail.example.com")

	req := confirmation("order:42:order_confirmation")
	assert.True(t, queue(t, st, ob, req))
	req.Data.Amount = "$1.00" // a later, different render of the same logical email
	assert.False(t, queue(t, st, ob, req), "same dedupe key queues nothing")

	msgs, err := st.EmailMessages(ctx, store.EmailFilter{})
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	m := msgs[0]
	assert.Equal(t, []int64{m.ID}, enq.enqueued(), "one job, for the inserted row")
	assert.Equal(t, OrderConfirmation, m.Template)
	assert.Equal(t, new(0), m.TemplateVersion, "the shipped default is version 0")
	assert.Equal(t, "jane@example.com", m.To)
	assert.Equal(t, "Your Pro (yearly) access is ready (BK-7Q2M-XK4P)", m.Subject)
	assert.Contains(t, m.TextBody, "$249.00")
	assert.Contains(t, m.HTMLBody, "<strong>$249.00</strong>")
	assert.Equal(t, store.EmailQueued, m.Status)
	assert.Regexp(t, regexp.MustCompile(`^<[a-z2-7]{32}@mail\.example\.com>$`), m.MessageID)
}

func TestQueueTxUsesLatestTemplateVersion(t *testing.T) {
	t.Parallel()
	st := store.New(dbtest.New(t))
	ob := NewOutbox(st, &fakeEnqueuer{}, "example.com")
	require.NoError(t, SeedDefaults(t.Context(), st))
	c, _ := Default(StatusLink)
	_, err := st.InsertTemplateVersion(t.Context(), store.EmailTemplate{
		Name: StatusLink, Subject: "Edited {{.PublicRef}}", HTMLBody: c.HTML, TextBody: c.Text,
	})
	require.NoError(t, err)

	d := SampleData()
	require.True(t, queue(t, st, ob, QueueRequest{Template: StatusLink, To: d.Email, DedupeKey: "k", Data: d}))
	msgs, err := st.EmailMessages(t.Context(), store.EmailFilter{})
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	assert.Equal(t, "Edited BK-7Q2M-XK4P", msgs[0].Subject)
	assert.Equal(t, new(1), msgs[0].TemplateVersion)
}

func TestQueueTxRolledBackLeavesNothing(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := store.New(dbtest.New(t))
	ob := NewOutbox(st, &fakeEnqueuer{}, "example.com")
	require.NoError(t, SeedDefaults(ctx, st))
	boom := errors.New("the caller failed later")
	err := st.InTx(ctx, func(tx *store.Tx) error {
		queued, err := ob.QueueTx(ctx, tx, confirmation("k"))
		require.NoError(t, err)
		require.True(t, queued)
		return boom
	})
	require.ErrorIs(t, err, boom)
	msgs, err := st.EmailMessages(ctx, store.EmailFilter{})
	require.NoError(t, err)
	assert.Empty(t, msgs)
	assert.True(t, queue(t, st, ob, confirmation("k")), "the key is free again")
}

func TestQueueTxRefusesBadRequests(t *testing.T) {
	t.Parallel()
	st := store.New(dbtest.New(t))
	enq := &fakeEnqueuer{}
	ob := NewOutbox(st, enq, "example.com")
	require.NoError(t, SeedDefaults(t.Context(), st))
	for name, req := range map[string]QueueRequest{
		"unknown template": {Template: "welcome", To: "a@example.com", DedupeKey: "k1"},
		"no dedupe key":    {Template: StatusLink, To: "a@example.com"},
		"bad address":      {Template: StatusLink, To: "not an address", DedupeKey: "k2"},
		"display name":     {Template: StatusLink, To: "Jane <a@example.com>", DedupeKey: "k3"},
	} {
		err := st.InTx(t.Context(), func(tx *store.Tx) error {
			_, err := ob.QueueTx(t.Context(), tx, req)
			return err
		})
		assert.True(t, apperr.Is(err, apperr.Invalid), "%s: %v", name, err)
	}
	assert.Empty(t, enq.enqueued())
}

func TestSeedDefaultsIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := store.New(dbtest.New(t))
	require.NoError(t, SeedDefaults(ctx, st))
	_, err := st.InsertTemplateVersion(ctx, store.EmailTemplate{Name: RefundIssued, Subject: "edited", HTMLBody: "h", TextBody: "t"})
	require.NoError(t, err)
	require.NoError(t, SeedDefaults(ctx, st))
	for _, name := range Names() {
		versions, err := st.TemplateVersions(ctx, name)
		require.NoError(t, err)
		want := 1
		if name == RefundIssued {
			want = 2
		}
		require.Len(t, versions, want, name)
		def, _ := Default(name)
		v0 := versions[len(versions)-1]
		assert.Equal(t, 0, v0.Version, name)
		assert.Equal(t, def.Subject, v0.Subject, name)
		assert.Equal(t, ContentHash(def), v0.DefaultHash, name)
	}
}

// A live version that renders every sample case but not a real email (here
// a list of orders past the output cap, and a stored template from before
// the rules) gives way to version 0: the customer gets the default's
// words, the workflow commits, and the row says which version it was.
func TestQueueTxFallsBackToTheDefaultWhenTheLiveVersionFails(t *testing.T) {
	t.Parallel()
	st := store.New(dbtest.New(t))
	ob := NewOutbox(st, &fakeEnqueuer{}, "example.com")
	require.NoError(t, SeedDefaults(t.Context(), st))
	def, _ := Default(StatusLink)
	big := Content{Subject: "Your orders", HTML: def.HTML, Text: "{{range .Orders}}" + strings.Repeat("x", 60<<10) + "{{end}}"}
	require.NoError(t, Validate(StatusLink, big.Subject, big.HTML, big.Text), "it passes validation")
	_, err := st.InsertTemplateVersion(t.Context(), store.EmailTemplate{Name: StatusLink, Subject: big.Subject, HTMLBody: big.HTML, TextBody: big.Text})
	require.NoError(t, err)

	d := SampleData()
	d.Orders = slices.Repeat(d.Orders, 10)
	require.True(t, queue(t, st, ob, QueueRequest{Template: StatusLink, To: d.Email, DedupeKey: "many", Data: d}))
	d.Orders = d.Orders[:1]
	require.True(t, queue(t, st, ob, QueueRequest{Template: StatusLink, To: d.Email, DedupeKey: "one", Data: d}))

	_, err = st.InsertTemplateVersion(t.Context(), store.EmailTemplate{Name: StatusLink, Subject: "s", HTMLBody: "h", TextBody: "{{range 1000000000000}}{{end}}"})
	require.NoError(t, err)
	require.True(t, queue(t, st, ob, QueueRequest{Template: StatusLink, To: d.Email, DedupeKey: "spin", Data: d}))

	msgs, err := st.EmailMessages(t.Context(), store.EmailFilter{})
	require.NoError(t, err)
	require.Len(t, msgs, 3)
	assert.Equal(t, new(0), msgs[0].TemplateVersion, "too many orders for the live version")
	assert.NotEqual(t, "Your orders", msgs[0].Subject, "the default's words")
	assert.Equal(t, new(1), msgs[1].TemplateVersion, "one order renders with it")
	assert.Equal(t, "Your orders", msgs[1].Subject)
	assert.Equal(t, new(0), msgs[2].TemplateVersion, "a stored template that breaks the rules is not run")
}
