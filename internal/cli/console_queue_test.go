package cli

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/console"
	"github.com/backstophq/backstop/internal/staff"
)

// seedQueue inserts three pages of open mismatches straight into the
// database: five disputes (urgent, due in 5, 4, 3, 2 and 1 days as i goes
// 1 to 5) and 55 others detected i hours ago, every tenth claimed by bo;
// and ten resolved ones. It returns the open ids in queue order: the
// disputes by deadline (i descending), then the oldest (i descending).
func seedQueue(t *testing.T, s *testStack) []int64 {
	t.Helper()
	const q = `
		INSERT INTO mismatches (kind, status, subject, email, amount, currency, urgent, evidence_due_by,
			detected_at, claimed_by, claimed_at)
		SELECT CASE WHEN i <= 5 THEN 'disputed' WHEN i % 3 = 0 THEN 'identity_unknown'
				WHEN i % 3 = 1 THEN 'orphan_payment' ELSE 'duplicate_payment' END,
			'open', 'seed:' || i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'c' || i || '@example.test' END, 24900, 'usd',
			i <= 5, CASE WHEN i <= 5 THEN now() + (6 - i) * interval '1 day' END,
			now() - i * interval '1 hour', CASE WHEN i % 10 = 0 THEN 'bo@example.test' END,
			CASE WHEN i % 10 = 0 THEN now() END
		FROM generate_series(1, 60) AS i;
		INSERT INTO mismatches (kind, status, subject, amount, currency, detected_at, resolved_at, resolution)
		SELECT 'identity_unknown', 'resolved', 'done:' || i, 24900, 'usd', now() - interval '3 days', now(), 'linked by ana'
		FROM generate_series(1, 10) AS i`
	_, err := s.store.DB().Exec(q)
	require.NoError(t, err)
	var order []int64
	require.NoError(t, s.store.DB().Select(&order, `
		SELECT id FROM mismatches WHERE status = 'open'
		ORDER BY NOT urgent, CAST(split_part(subject, ':', 2) AS int) DESC`))
	return order
}

// TestConsoleQueuePagesThroughEveryOpenMismatchOnce: disputes first by
// their deadline, then the oldest; three pages of 25, 25 and 10 by keyset,
// each row once; htmx turning a page gets only the results.
func TestConsoleQueuePagesThroughEveryOpenMismatchOnce(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	want := seedQueue(t, s)
	require.Len(t, want, 60)
	b := s.staffBrowser(t, "ana@example.test", staff.RoleSupport)

	var got []int64
	var sizes []int
	target := "/console/mismatches"
	for pages := 0; target != ""; pages++ {
		require.Less(t, pages, 5, "the pages end")
		headers := []string{}
		if pages > 0 {
			headers = []string{"HX-Request", "true"}
		}
		p := b.get(t, target, headers...)
		require.Equal(t, http.StatusOK, p.status, p.body)
		rows := p.all("mismatch-row")
		sizes = append(sizes, len(rows))
		for _, r := range rows {
			id, err := strconv.ParseInt(attrOf(r, "data-id"), 10, 64)
			require.NoError(t, err)
			got = append(got, id)
			assert.NotEmpty(t, attrOf(r, "data-kind"))
		}
		if pages == 0 {
			assert.Contains(t, p.body, "<html", "a full page first")
			assert.Equal(t, "60", p.one(t, "open-count-number"))
			assert.Len(t, p.all("queue-filters"), 1)
		} else {
			assert.NotContains(t, p.body, "<html", "htmx turning a page gets the results only")
			assert.Empty(t, p.all("queue-filters"))
		}
		target = ""
		if next := p.all("queue-next"); len(next) == 1 {
			target = attrOf(next[0], "href")
			assert.Equal(t, target, attrOf(next[0], "hx-get"), "the same link with and without htmx")
			assert.Contains(t, target, "after=", "keyset: the link names the last row, not an offset")
		}
	}
	assert.Equal(t, []int{25, 25, 10}, sizes)
	assert.Equal(t, want, got, "every open mismatch once, disputes by deadline first, then the oldest")
}

func TestConsoleQueueFilters(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	seedQueue(t, s)
	b := s.staffBrowser(t, "bo@example.test", staff.RoleSupport)
	kinds := func(p page) map[string]int {
		out := map[string]int{}
		for _, r := range p.all("mismatch-row") {
			out[attrOf(r, "data-kind")]++
		}
		return out
	}
	ids := func(p page) int { return len(p.all("mismatch-row")) }

	p := b.get(t, "/console/mismatches?kind=disputed")
	assert.Equal(t, map[string]int{"disputed": 5}, kinds(p))
	assert.Contains(t, p.one(t, "queue-summary"), "kind: disputed")
	assert.Contains(t, textOf(p.all("mismatch-row")[0]), "Urgent")

	assert.Equal(t, 6, ids(b.get(t, "/console/mismatches?claimed=me")), "bo's: i = 10, 20, … 60")
	assert.Equal(t, ids(b.get(t, "/console/mismatches?claimed=me")), ids(b.get(t, "/console/mismatches?claimed=BO%40example.test")))
	p = b.get(t, "/console/mismatches?claimed=nobody&age=24h")
	assert.Equal(t, 25, ids(p), "32 unclaimed older than 24 hours (i = 25 … 60 but bo's): a full page")
	assert.Len(t, p.all("queue-next"), 1)
	older := b.get(t, "/console/mismatches?age=24h&claimed=nobody&kind=orphan_payment")
	for _, r := range older.all("mismatch-row") {
		assert.Equal(t, "orphan_payment", attrOf(r, "data-kind"))
	}

	p = b.get(t, "/console/mismatches?status=resolved", "HX-Request", "true")
	require.Equal(t, http.StatusOK, p.status)
	assert.Equal(t, map[string]int{"identity_unknown": 10}, kinds(p))
	assert.Contains(t, p.body, "Nothing to do. Resolved: linked by ana.")
	assert.Equal(t, 25, ids(b.get(t, "/console/mismatches?status=all")))

	p = b.get(t, "/console/mismatches?kind=nonsense")
	assert.Equal(t, http.StatusBadRequest, p.status)
	assert.Contains(t, p.body, "The queue has no kind filter")
	p = b.get(t, "/console/mismatches?after=n.1.1%27;DROP")
	assert.Equal(t, http.StatusBadRequest, p.status)
	assert.Contains(t, p.body, "That page link is not one of ours")
}

// TestConsoleQueueRowsSayWhatToDo: each row carries its kind and id for
// scripts and its words for people.
func TestConsoleQueueRowsSayWhatToDo(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	seedQueue(t, s)
	b := s.staffBrowser(t, "ana@example.test", staff.RoleAdmin)
	p := b.get(t, "/console/mismatches?kind=identity_unknown")
	rows := p.all("mismatch-row")
	require.NotEmpty(t, rows)
	first := rows[0]
	assert.Equal(t, "identity_unknown", attrOf(first, "data-kind"))
	row := textOf(first)
	assert.Contains(t, row, console.KindLabel("identity_unknown"))
	assert.Contains(t, row, "A payment of $249.00 succeeded, but it carries no email we can use")
	assert.Contains(t, row, "What to do: Find who paid")
	var link string
	for _, a := range p.all("mismatch-link") {
		link = attrOf(a, "href")
		break
	}
	assert.Equal(t, "/console/mismatches/"+attrOf(first, "data-id"), link)
	assert.True(t, strings.HasPrefix(link, "/console/mismatches/"))
}
