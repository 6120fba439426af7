package mail

import (
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
)

type editorSetup struct {
	st  *store.Store
	ed  *Editor
	enq *fakeEnqueuer
}

func newEditorSetup(t *testing.T) editorSetup {
	t.Helper()
	st := store.New(dbtest.New(t))
	require.NoError(t, SeedDefaults(t.Context(), st))
	enq := &fakeEnqueuer{}
	return editorSetup{st: st, ed: NewEditor(st, NewOutbox(st, enq, "example.com")), enq: enq}
}

func (s editorSetup) audit(t *testing.T, action string) []staff.AuditEntry {
	t.Helper()
	all, err := s.st.AuditEntries(t.Context(), 100)
	require.NoError(t, err)
	var out []staff.AuditEntry
	for _, a := range all {
		if a.Action == action {
			out = append(out, a)
		}
	}
	return out
}

func edited(name, subject string) Content {
	c, _ := Default(name)
	c.Subject = subject
	return c
}

func TestEditorSavePublishRevert(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newEditorSetup(t)

	list, err := s.ed.List(ctx)
	require.NoError(t, err)
	require.Len(t, list, len(Names()))
	for _, sum := range list {
		assert.Equal(t, 0, sum.Live.Version, sum.Name)
		assert.Nil(t, sum.Draft, sum.Name)
		assert.False(t, sum.DefaultChanged, sum.Name)
	}

	d, err := s.ed.SaveDraft(ctx, SaveDraft{Name: OrderConfirmation, Content: edited(OrderConfirmation, "Welcome aboard ({{.PublicRef}})"), Actor: "sam@example.com"})
	require.NoError(t, err)
	assert.Equal(t, 1, d.Revision)
	assert.Equal(t, 0, d.BaseVersion)
	d, err = s.ed.SaveDraft(ctx, SaveDraft{Name: OrderConfirmation, Content: edited(OrderConfirmation, "Welcome ({{.PublicRef}})"), Revision: 1, Actor: "sam@example.com"})
	require.NoError(t, err)
	assert.Equal(t, 2, d.Revision)

	w, err := s.ed.Open(ctx, OrderConfirmation)
	require.NoError(t, err)
	assert.True(t, w.HasDraft)
	assert.Equal(t, "Welcome ({{.PublicRef}})", w.DraftContent().Subject)
	assert.Equal(t, 0, w.Live.Version, "a saved draft is not live")

	v1, err := s.ed.Publish(ctx, Publish{Name: OrderConfirmation, Revision: 2, LiveVersion: 0, Actor: "alex@example.com"})
	require.NoError(t, err)
	assert.Equal(t, 1, v1.Version)
	assert.Equal(t, "alex@example.com", v1.CreatedBy)
	_, err = s.st.TemplateDraft(ctx, OrderConfirmation)
	assert.True(t, apperr.Is(err, apperr.NotFound), "publishing uses the draft up")
	published := s.audit(t, ActionPublished)
	require.Len(t, published, 1)
	assert.Equal(t, "alex@example.com", published[0].Actor)
	assert.Equal(t, "0", published[0].Details["from_version"])
	assert.Equal(t, "1", published[0].Details["to_version"])
	assert.Equal(t, "--- subject\n-Your {{.PlanName}} access is ready ({{.PublicRef}})\n+Welcome ({{.PublicRef}})\n",
		published[0].Details["diff"])
	assert.Len(t, s.audit(t, ActionDraftSaved), 2)

	assert.True(t, queue(t, s.st, s.ed.outbox, confirmation("after-publish")))
	v2, err := s.ed.Revert(ctx, Revert{Name: OrderConfirmation, Version: 0, LiveVersion: 1, Actor: "alex@example.com"})
	require.NoError(t, err)
	assert.Equal(t, 2, v2.Version)
	assert.Equal(t, new(0), v2.RevertedFrom)
	assert.True(t, queue(t, s.st, s.ed.outbox, confirmation("after-revert")))
	reverted := s.audit(t, ActionReverted)
	require.Len(t, reverted, 1)
	assert.Equal(t, "0", reverted[0].Details["reverted_to"])
	assert.Contains(t, reverted[0].Details["diff"], "-Welcome ({{.PublicRef}})\n+Your {{.PlanName}}")

	msgs, err := s.st.EmailMessages(ctx, store.EmailFilter{})
	require.NoError(t, err)
	require.Len(t, msgs, 2)
	assert.Equal(t, "Welcome (BK-7Q2M-XK4P)", msgs[0].Subject)
	assert.Equal(t, new(1), msgs[0].TemplateVersion)
	assert.Equal(t, "Your Pro (yearly) access is ready (BK-7Q2M-XK4P)", msgs[1].Subject)
	assert.Equal(t, new(2), msgs[1].TemplateVersion)

	_, err = s.ed.Revert(ctx, Revert{Name: OrderConfirmation, Version: 2, LiveVersion: 2, Actor: "alex@example.com"})
	assert.True(t, apperr.Is(err, apperr.Invalid), "the live version: %v", err)
	_, err = s.ed.Revert(ctx, Revert{Name: OrderConfirmation, Version: 9, LiveVersion: 2, Actor: "alex@example.com"})
	assert.True(t, apperr.Is(err, apperr.NotFound), "%v", err)
}

func TestEditorRefusesAnInvalidDraft(t *testing.T) {
	t.Parallel()
	s := newEditorSetup(t)
	c := edited(OrderConfirmation, "Paid {{ .Amout }}")
	_, err := s.ed.SaveDraft(t.Context(), SaveDraft{Name: OrderConfirmation, Content: c, Actor: "sam@example.com"})
	require.True(t, apperr.Is(err, apperr.Invalid), "%v", err)
	assert.Equal(t, []Problem{{Part: PartSubject, Line: 1, Col: 9, Msg: "unknown variable .Amout"}}, Problems(err))
	_, err = s.st.TemplateDraft(t.Context(), OrderConfirmation)
	assert.True(t, apperr.Is(err, apperr.NotFound), "nothing saved")
	assert.Empty(t, s.audit(t, ActionDraftSaved))
	_, err = s.ed.SaveDraft(t.Context(), SaveDraft{Name: "welcome", Content: c, Actor: "sam@example.com"})
	assert.True(t, apperr.Is(err, apperr.NotFound))
}

// Every change names the draft revision and the live version its page
// showed; one made from an older page is refused, saying who changed it.
func TestEditorRefusesStaleChanges(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newEditorSetup(t)
	save := func(rev int, by string) error {
		_, err := s.ed.SaveDraft(ctx, SaveDraft{Name: RefundIssued, Content: edited(RefundIssued, "Refund "+by), Revision: rev, Actor: by})
		return err
	}
	require.NoError(t, save(0, "sam@example.com"))
	err := save(0, "alex@example.com")
	require.True(t, apperr.Is(err, apperr.Conflict), "a second first draft: %v", err)
	assert.Contains(t, apperr.SafeMessage(err, ""), "sam@example.com saved this draft at")
	require.NoError(t, save(1, "alex@example.com"))
	assert.True(t, apperr.Is(save(1, "sam@example.com"), apperr.Conflict), "a save over someone else's")

	_, err = s.ed.Publish(ctx, Publish{Name: RefundIssued, Revision: 1, LiveVersion: 0, Actor: "alex@example.com"})
	assert.True(t, apperr.Is(err, apperr.Conflict), "publishing a revision older than the draft: %v", err)
	_, err = s.ed.Publish(ctx, Publish{Name: RefundIssued, Revision: 0, LiveVersion: 0, Actor: "alex@example.com"})
	assert.True(t, apperr.Is(err, apperr.Conflict), "publishing without a draft: %v", err)
	_, err = s.ed.Publish(ctx, Publish{Name: RefundIssued, Revision: 2, LiveVersion: 0, Actor: "alex@example.com"})
	require.NoError(t, err)

	_, err = s.ed.Publish(ctx, Publish{Name: RefundIssued, Revision: 2, LiveVersion: 0, Actor: "alex@example.com"})
	assert.True(t, apperr.Is(err, apperr.Conflict), "published already: %v", err)
	assert.Contains(t, apperr.SafeMessage(err, ""), "alex@example.com made v1 live at")
	_, err = s.ed.Revert(ctx, Revert{Name: RefundIssued, Version: 0, LiveVersion: 0, Actor: "sam@example.com"})
	assert.True(t, apperr.Is(err, apperr.Conflict), "a revert from a page before the publish: %v", err)
	assert.True(t, apperr.Is(save(2, "sam@example.com"), apperr.Conflict), "saving a draft that was published")
	assert.True(t, apperr.Is(s.ed.DiscardDraft(ctx, RefundIssued, 2, "sam@example.com"), apperr.Conflict))

	versions, err := s.st.TemplateVersions(ctx, RefundIssued)
	require.NoError(t, err)
	assert.Len(t, versions, 2, "v0 and the one publish")
}

// Ten admins publishing the same draft at once make one version.
func TestEditorPublishRacesToOneVersion(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newEditorSetup(t)
	_, err := s.ed.SaveDraft(ctx, SaveDraft{Name: PaymentOnHold, Content: edited(PaymentOnHold, "On hold {{.PublicRef}}"), Actor: "sam@example.com"})
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = s.ed.Publish(ctx, Publish{Name: PaymentOnHold, Revision: 1, LiveVersion: 0, Actor: "alex@example.com"})
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
			continue
		}
		assert.True(t, apperr.Is(err, apperr.Conflict), "%v", err)
	}
	assert.Equal(t, 1, ok)
	versions, err := s.st.TemplateVersions(ctx, PaymentOnHold)
	require.NoError(t, err)
	assert.Len(t, versions, 2)
	assert.Len(t, s.audit(t, ActionPublished), 1)
}

// A release that changes a default leaves the live version alone, says so
// with the diff of what the release changed, and stops saying so once a
// draft started from the new default is published.
func TestEditorShowsAChangedDefault(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := store.New(dbtest.New(t))
	old, _ := Default(DelayedFulfillment)
	old.Subject = "Your access is ready ({{.PublicRef}})" // what an older release shipped
	_, err := st.SeedTemplate(ctx, store.EmailTemplate{Name: DelayedFulfillment, Subject: old.Subject,
		HTMLBody: old.HTML, TextBody: old.Text, DefaultHash: ContentHash(old)})
	require.NoError(t, err)
	require.NoError(t, SeedDefaults(ctx, st)) // this release starts
	ed := NewEditor(st, NewOutbox(st, &fakeEnqueuer{}, "example.com"))

	live, err := st.LatestTemplate(ctx, DelayedFulfillment)
	require.NoError(t, err)
	assert.Equal(t, old.Subject, live.Subject, "the release changes no version")
	list, err := ed.List(ctx)
	require.NoError(t, err)
	for _, sum := range list {
		assert.Equal(t, sum.Name == DelayedFulfillment, sum.DefaultChanged, sum.Name)
	}
	w, err := ed.Open(ctx, DelayedFulfillment)
	require.NoError(t, err)
	require.NotNil(t, w.DefaultChange)
	require.NotNil(t, w.DefaultChange.Was)
	now, _ := Default(DelayedFulfillment)
	assert.Equal(t, []DiffLine{{DiffDelete, old.Subject}, {DiffInsert, now.Subject}}, w.DefaultChange.Diff[0].Lines)
	assert.False(t, w.DefaultChange.Diff[1].Changed())

	d, err := ed.SaveDraft(ctx, SaveDraft{Name: DelayedFulfillment, Content: now, FromDefault: true, Actor: "alex@example.com"})
	require.NoError(t, err)
	_, err = ed.Publish(ctx, Publish{Name: DelayedFulfillment, Revision: d.Revision, LiveVersion: 0, Actor: "alex@example.com"})
	require.NoError(t, err)
	w, err = ed.Open(ctx, DelayedFulfillment)
	require.NoError(t, err)
	assert.Nil(t, w.DefaultChange)
}

func TestEditorTestSend(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newEditorSetup(t)
	_, err := s.st.CreateStaffUser(ctx, staff.User{Email: "sam@example.com", Role: staff.RoleSupport, PasswordHash: "x"},
		staff.AuditEntry{Actor: "test", Action: "staff.created"})
	require.NoError(t, err)
	_, err = s.st.CreateStaffUser(ctx, staff.User{Email: "gone@example.com", Role: staff.RoleSupport, PasswordHash: "x"},
		staff.AuditEntry{Actor: "test", Action: "staff.created"})
	require.NoError(t, err)
	_, err = s.st.DB().ExecContext(ctx, `UPDATE staff_users SET disabled_at = now() WHERE email = 'gone@example.com'`)
	require.NoError(t, err)

	unsaved := edited(RefundIssued, "Unsaved words for {{.PublicRef}}")
	p, err := s.ed.TestSend(ctx, TestSend{Name: RefundIssued, Content: unsaved, Case: "refund", To: "SAM@example.com", Actor: "sam@example.com"})
	require.NoError(t, err)
	want, err := PreviewDraft(RefundIssued, unsaved, "refund")
	require.NoError(t, err)
	assert.Equal(t, want.Out, p.Out, "exactly the preview")

	recent, err := s.st.RecentEmailMessages(ctx, 10)
	require.NoError(t, err)
	require.Len(t, recent, 1)
	m := recent[0]
	assert.True(t, m.Test)
	assert.Nil(t, m.TemplateVersion, "a draft, not a version")
	assert.True(t, strings.HasPrefix(m.DedupeKey, "test:"), m.DedupeKey)
	assert.Equal(t, "sam@example.com", m.To)
	assert.Equal(t, "Unsaved words for BK-7Q2M-XK4P", m.Subject)
	assert.Equal(t, []int64{m.ID}, s.enq.enqueued(), "delivered like any email")
	customer, err := s.st.EmailMessages(ctx, store.EmailFilter{})
	require.NoError(t, err)
	assert.Empty(t, customer, "never counted as a customer's email")
	sent := s.audit(t, ActionTestSent)
	require.Len(t, sent, 1)
	assert.Equal(t, map[string]string{"case": "refund", "to": "sam@example.com", "subject": m.Subject}, sent[0].Details)
	_, err = s.st.TemplateDraft(ctx, RefundIssued)
	assert.True(t, apperr.Is(err, apperr.NotFound), "a test send saves nothing")

	for _, to := range []string{"jane@example.com", "gone@example.com", "not an address"} {
		_, err = s.ed.TestSend(ctx, TestSend{Name: RefundIssued, Content: unsaved, To: to, Actor: "sam@example.com"})
		assert.True(t, apperr.Is(err, apperr.Invalid), "%s: %v", to, err)
		assert.Equal(t, "a test send goes to a staff address only", apperr.SafeMessage(err, ""))
	}
	_, err = s.ed.TestSend(ctx, TestSend{Name: RefundIssued, Content: edited(RefundIssued, "{{.Nope}}"), To: "sam@example.com", Actor: "sam@example.com"})
	assert.True(t, apperr.Is(err, apperr.Invalid))
	assert.NotEmpty(t, Problems(err))
	assert.Len(t, s.enq.enqueued(), 1, "nothing else was sent")
}

// Publish validates again: a draft saved under older rules, or written
// around SaveDraft, is refused rather than made live.
func TestEditorPublishRefusesADraftThatNoLongerValidates(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newEditorSetup(t)
	bad := edited(StaffAlert, "{{range 1000000000}}x{{end}}")
	require.NoError(t, s.st.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.PutTemplateDraft(ctx, store.TemplateDraft{Name: StaffAlert, Subject: bad.Subject,
			HTMLBody: bad.HTML, TextBody: bad.Text, UpdatedBy: "sam@example.com"})
		return err
	}))
	_, err := s.ed.Publish(ctx, Publish{Name: StaffAlert, Revision: 1, LiveVersion: 0, Actor: "alex@example.com"})
	require.True(t, apperr.Is(err, apperr.Invalid), "%v", err)
	assert.Equal(t, PartSubject, Problems(err)[0].Part)
	live, err := s.st.LatestTemplate(ctx, StaffAlert)
	require.NoError(t, err)
	assert.Equal(t, 0, live.Version)
	assert.Empty(t, s.audit(t, ActionPublished))
}
