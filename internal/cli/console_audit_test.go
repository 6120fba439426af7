package cli

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/staff"
)

// TestAuditFiltersPagesAndCSVMatch: the audit log page filters by actor
// (any case), action, target and time, pages by keyset without losing or
// repeating a row, and its CSV holds exactly the rows of every page, with
// a cell that looks like a formula made inert.
func TestAuditFiltersPagesAndCSVMatch(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	db := s.store.DB()
	// 55 rows that match (Ana refunding mismatch:9 on 1 Dec, one a minute),
	// and around them rows each off by one filter.
	_, err := db.Exec(`
		INSERT INTO audit_log (actor, action, target, details, created_at)
		SELECT 'ana@example.test', 'mismatch.refunded', 'mismatch:9', jsonb_build_object('note', 'n' || i),
			timestamptz '2026-12-01 10:00:00+00' + i * interval '1 minute'
		FROM generate_series(0, 54) AS i;
		INSERT INTO audit_log (actor, action, target, details, created_at) VALUES
			('ana@example.test', 'mismatch.refunded', 'mismatch:9', '{"note":"=HYPERLINK(\"http://x\")"}', '2026-12-01 11:30:00+00'),
			('bo@example.test', 'mismatch.refunded', 'mismatch:9', '{}', '2026-12-01 10:30:00+00'),
			('ana@example.test', 'mismatch.dismissed', 'mismatch:9', '{}', '2026-12-01 10:30:00+00'),
			('ana@example.test', 'mismatch.refunded', 'mismatch:8', '{}', '2026-12-01 10:30:00+00'),
			('ana@example.test', 'mismatch.refunded', 'mismatch:9', '{}', '2026-12-01 09:59:00+00'),
			('ana@example.test', 'mismatch.refunded', 'mismatch:9', '{}', '2026-12-01 12:00:00+00'),
			('=1+2', 'mismatch.note', '-cmd', '{}', '2026-12-02 08:00:00+00')`)
	require.NoError(t, err)

	b := s.staffBrowser(t, "cy@example.test", staff.RoleSupport)
	q := url.Values{"actor": {"ANA@example.test"}, "action": {"mismatch.refunded"}, "target": {"mismatch:9"},
		"from": {"2026-12-01T10:00"}, "to": {"2026-12-01T12:00"}}
	var onPages []string
	p := b.get(t, "/console/audit?"+q.Encode())
	require.Equal(t, http.StatusOK, p.status, p.body)
	for _, r := range p.all("audit-row") {
		onPages = append(onPages, attrOf(r, "data-id"))
	}
	assert.Len(t, onPages, 50, "one page")
	older := p.all("audit-older")
	require.Len(t, older, 1)
	p = b.get(t, attrOf(older[0], "href"))
	require.Equal(t, http.StatusOK, p.status, p.body)
	for _, r := range p.all("audit-row") {
		onPages = append(onPages, attrOf(r, "data-id"))
		assert.Equal(t, "ana@example.test", textOf(r.FirstChild.NextSibling))
	}
	assert.Empty(t, p.all("audit-older"), "the last page")
	require.Len(t, onPages, 56, "the 55 rows and the formula one, each once")

	csvLink := attrOf(p.all("audit-csv")[0], "href")
	assert.NotContains(t, csvLink, "before=", "the file is every page")
	records := auditCSV(t, b, csvLink)
	var inFile []string
	for _, r := range records[1:] {
		inFile = append(inFile, r[0])
	}
	assert.Equal(t, onPages, inFile, "the CSV holds exactly the filtered rows, in the page's order")
	assert.Equal(t, `{"note":"=HYPERLINK(\"http://x\")"}`, records[1][5], "details are JSON, which starts with { and cannot be a formula")

	// A row whose cells start like formulas: each one is made text.
	records = auditCSV(t, b, "/console/audit.csv?"+url.Values{"action": {"mismatch.note"}}.Encode())
	require.Len(t, records, 2)
	assert.Equal(t, []string{"'=1+2", "mismatch.note", "'-cmd"}, records[1][2:5])

	// A time it cannot read: words, no rows, and no file.
	p = b.get(t, "/console/audit?from=yesterday")
	assert.Equal(t, http.StatusUnprocessableEntity, p.status)
	assert.Contains(t, p.one(t, "audit-problem"), "From is not a time Backstop can read")
	assert.Empty(t, p.all("audit-row"))
	res := b.get(t, "/console/audit.csv?to=soon")
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.Contains(t, res.body, "To is not a time Backstop can read")
	assert.NotContains(t, res.header.Get("Content-Type"), "csv")
}

func auditCSV(t *testing.T, b *staffBrowser, target string) [][]string {
	t.Helper()
	res := b.get(t, target)
	require.Equal(t, http.StatusOK, res.status, res.body)
	require.Equal(t, "text/csv; charset=utf-8", res.header.Get("Content-Type"))
	records, err := csv.NewReader(strings.NewReader(res.body)).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"id", "created_at", "actor", "action", "target", "details"}, records[0])
	for _, r := range records[1:] {
		_, err := strconv.ParseInt(r[0], 10, 64)
		require.NoError(t, err, fmt.Sprint(r))
	}
	return records
}
