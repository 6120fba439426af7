package mail

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/e2e"
	"github.com/backstophq/backstop/internal/fault"
	"github.com/backstophq/backstop/internal/store"
)

// smtpSetup starts Mailpit, queues one order confirmation, and returns a
// Deliverer that sends it through SMTPSender.
func smtpSetup(t *testing.T, st *store.Store) (*e2e.Mailpit, *Deliverer, int64) {
	t.Helper()
	mp := e2e.StartMailpit(t)
	enq := &fakeEnqueuer{}
	require.True(t, queue(t, st, NewOutbox(st, enq, "shop.example.com"), confirmation("order:7:order_confirmation")))
	sender, err := NewSMTPSender("smtp://" + mp.SMTPAddr)
	require.NoError(t, err)
	return mp, NewDeliverer(st, sender, "shop@example.com", nil, discardLogger()), enq.enqueued()[0]
}

func TestSMTPDeliveryToMailpit(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := store.New(dbtest.New(t))
	mp, d, id := smtpSetup(t, st)

	require.NoError(t, d.Deliver(ctx, id))
	require.NoError(t, d.Deliver(ctx, id), "a retried job after success sends nothing")

	row, err := st.EmailMessage(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, store.EmailSent, row.Status)
	list := mp.Messages(t)
	require.Len(t, list, 1, "exactly one copy")
	got := mp.Message(t, list[0].ID)
	assert.Equal(t, strings.Trim(row.MessageID, "<>"), got.MessageID, "the stored Message-ID is the one sent")
	assert.Equal(t, "Your Pro (yearly) access is ready (BK-7Q2M-XK4P)", got.Subject)
	assert.Equal(t, "shop@example.com", got.From.Address)
	require.Len(t, got.To, 1)
	assert.Equal(t, "jane@example.com", got.To[0].Address)
	assert.Equal(t, strings.TrimSpace(row.TextBody), strings.TrimSpace(strings.ReplaceAll(got.Text, "\r\n", "\n")), "text part")
	assert.Contains(t, got.HTML, `<a href="https://example.com/status/BK-7Q2M-XK4P"`, "html part")
	assert.Contains(t, got.HTML, "<strong>$249.00</strong>")
}

func TestSMTPTemporaryRejectionThenRetry(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := store.New(dbtest.New(t))
	mp, d, id := smtpSetup(t, st)

	mp.Chaos(t, 451)
	err := d.Deliver(ctx, id)
	require.Error(t, err)
	assert.False(t, apperr.Is(err, apperr.Invalid), "a 451 is temporary: %v", err)
	row, err := st.EmailMessage(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, store.EmailQueued, row.Status)
	assert.Equal(t, 1, row.Attempts)
	assert.Contains(t, row.LastError, "451")
	assert.Empty(t, mp.Messages(t))

	mp.Chaos(t, 0)
	require.NoError(t, d.Deliver(ctx, id))
	row, err = st.EmailMessage(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, store.EmailSent, row.Status)
	assert.Equal(t, 2, row.Attempts)
	list := mp.Messages(t)
	require.Len(t, list, 1, "exactly one copy")
	assert.Equal(t, strings.Trim(row.MessageID, "<>"), list[0].MessageID)
}

func TestSMTPPermanentRejectionFails(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := store.New(dbtest.New(t))
	mp, d, id := smtpSetup(t, st)

	mp.Chaos(t, 550)
	err := d.Deliver(ctx, id)
	assert.True(t, apperr.Is(err, apperr.Invalid), "a 550 at RCPT is permanent: %v", err)
	row, err := st.EmailMessage(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, store.EmailFailed, row.Status)
	assert.Contains(t, row.LastError, "550")
	assert.Empty(t, mp.Messages(t))
}

const crashChildEnv = "BACKSTOP_MAIL_CRASH_CHILD"

// TestCrashAfterSendDuplicatesOnce proves the stated limit of at-least-once
// delivery: a process killed after the server accepted the email but before
// it was marked sent leaves it queued, and the retry sends it once more with
// the same Message-ID.
func TestCrashAfterSendDuplicatesOnce(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dbURL := dbtest.URL(t)
	st, err := store.Open(ctx, dbURL)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	mp, d, id := smtpSetup(t, st)

	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), crashChildEnv+"=1", "CRASH_DB_URL="+dbURL,
		"CRASH_SMTP_URL=smtp://"+mp.SMTPAddr, "CRASH_EMAIL_ID="+strconv.FormatInt(id, 10))
	out, err := child.CombinedOutput()
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "child must die, got %v: %s", err, out)
	status, ok := exit.Sys().(syscall.WaitStatus)
	require.True(t, ok && status.Signaled() && status.Signal() == syscall.SIGKILL, "killed by the fault point: %s", out)

	row, err := st.EmailMessage(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, store.EmailQueued, row.Status, "the crash came before marking it sent")
	assert.Equal(t, 1, row.Attempts, "the attempt was committed before sending")
	require.Len(t, mp.Messages(t), 1, "the server had accepted it")

	require.NoError(t, d.Deliver(ctx, id), "the job's retry")
	row, err = st.EmailMessage(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, store.EmailSent, row.Status)
	assert.Equal(t, 2, row.Attempts)
	list := mp.Messages(t)
	require.Len(t, list, 2, "one duplicate, as documented")
	for _, m := range list {
		assert.Equal(t, strings.Trim(row.MessageID, "<>"), m.MessageID, "both copies carry the same Message-ID")
	}
}

// runCrashChild delivers one email with email.after_send armed. It returns
// only when the fault point did not kill the process, which is a failure.
func runCrashChild() int {
	ctx := context.Background()
	st, err := store.Open(ctx, os.Getenv("CRASH_DB_URL"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	sender, err := NewSMTPSender(os.Getenv("CRASH_SMTP_URL"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	faults, err := fault.Parse(fault.EmailAfterSend)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	id, _ := strconv.ParseInt(os.Getenv("CRASH_EMAIL_ID"), 10, 64)
	err = NewDeliverer(st, sender, "shop@example.com", faults, discardLogger()).Deliver(ctx, id)
	fmt.Fprintln(os.Stderr, "crash child: Deliver returned:", err)
	return 3
}
