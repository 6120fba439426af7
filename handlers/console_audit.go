package handlers

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/store"
	"github.com/backstophq/backstop/views"
)

// AuditLog is the audit log page and its export (the store).
type AuditLog interface {
	AuditPage(ctx context.Context, f store.AuditFilter, before int64, limit int) ([]store.AuditRow, error)
	AuditExport(ctx context.Context, f store.AuditFilter, limit int) ([]store.AuditRow, error)
}

const (
	auditPath    = "/console/audit"
	auditPerPage = 50
	// auditExportMax bounds one CSV file; a filter matching more is
	// refused in words rather than cut short without saying so.
	auditExportMax = 100_000
)

// auditTimeLayouts are what the page's from/to accept, all read as UTC: a
// browser's datetime-local field, a date, or a full RFC 3339 time.
var auditTimeLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02", time.RFC3339}

// parseAuditFilter reads the filters off the query string; a time it
// cannot read is refused in words.
func parseAuditFilter(q func(string) string) (views.AuditQuery, store.AuditFilter, error) {
	aq := views.AuditQuery{Actor: strings.TrimSpace(q("actor")), Action: strings.TrimSpace(q("action")),
		Target: strings.TrimSpace(q("target")), From: strings.TrimSpace(q("from")), To: strings.TrimSpace(q("to"))}
	f := store.AuditFilter{Actor: aq.Actor, Action: aq.Action, Target: aq.Target}
	var err error
	if f.From, err = auditTime(aq.From, "From"); err != nil {
		return aq, f, err
	}
	if f.To, err = auditTime(aq.To, "To"); err != nil {
		return aq, f, err
	}
	return aq, f, nil
}

func auditTime(s, which string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	for _, layout := range auditTimeLayouts {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return &t, nil
		}
	}
	return nil, apperr.New(apperr.Invalid, which+" is not a time Backstop can read: give it as 2026-12-01T10:02 (UTC) or 2026-12-01.")
}

// handleAudit is GET /console/audit: the filtered log, newest first.
func (h staffConsole) handleAudit(c *fiber.Ctx) error {
	aq, f, err := parseAuditFilter(func(k string) string { return c.Query(k) })
	v := views.AuditView{Shell: h.shell(c, auditPath), Query: aq}
	if err != nil {
		v.Problem = apperr.SafeMessage(err, "That filter could not be read.")
		return render(c, fiber.StatusUnprocessableEntity, views.AuditPage(v), views.AuditContent(v))
	}
	before, err := strconv.ParseInt(c.Query("before", "0"), 10, 64)
	if err != nil || before < 0 {
		return apperr.New(apperr.Invalid, "That page of the audit log does not exist; start again from the newest rows.")
	}
	rows, err := h.audit.AuditPage(c.UserContext(), f, before, auditPerPage+1)
	if err != nil {
		return err
	}
	if len(rows) > auditPerPage {
		rows = rows[:auditPerPage]
		v.Older = rows[len(rows)-1].ID
	}
	v.Rows, v.Before = rows, before
	return render(c, fiber.StatusOK, views.AuditPage(v), views.AuditContent(v))
}

// handleAuditCSV is GET /console/audit.csv: exactly the rows the page's
// filters match, every page of them.
func (h staffConsole) handleAuditCSV(c *fiber.Ctx) error {
	_, f, err := parseAuditFilter(func(k string) string { return c.Query(k) })
	if err != nil {
		return err
	}
	rows, err := h.audit.AuditExport(c.UserContext(), f, auditExportMax+1)
	if err != nil {
		return err
	}
	if len(rows) > auditExportMax {
		return apperr.New(apperr.Invalid, "More than 100,000 rows match these filters; narrow them (a shorter time range) and download again.")
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="audit-log.csv"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	w := csv.NewWriter(c.Response().BodyWriter())
	_ = w.Write([]string{"id", "created_at", "actor", "action", "target", "details"})
	for _, r := range rows {
		details, _ := json.Marshal(r.Details)
		_ = w.Write(csvRow(strconv.FormatInt(r.ID, 10), r.CreatedAt.UTC().Format(time.RFC3339Nano),
			r.Actor, r.Action, r.Target, string(details)))
	}
	w.Flush()
	return w.Error()
}

// csvRow makes each cell safe to open in a spreadsheet: one that starts
// like a formula (= + - @, or a tab or carriage return that hides one) is
// prefixed with ' so it shows as text and never runs. Audit cells carry
// what people typed: an email, a note, a sign-in's user agent.
func csvRow(cells ...string) []string {
	for i, s := range cells {
		if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
			cells[i] = "'" + s
		}
	}
	return cells
}
