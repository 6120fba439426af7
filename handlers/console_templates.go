package handlers

import (
	"context"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/mail"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
	"github.com/backstophq/backstop/views"
)

// TemplateEditor is the console's email template editor (mail.Editor).
type TemplateEditor interface {
	List(ctx context.Context) ([]mail.Summary, error)
	// Open returns a template's workspace, or an apperr NotFound.
	Open(ctx context.Context, name string) (mail.Workspace, error)
	// SaveDraft refuses an invalid draft (Invalid, with mail.Problems) and
	// a stale one (Conflict).
	SaveDraft(ctx context.Context, req mail.SaveDraft) (store.TemplateDraft, error)
	DiscardDraft(ctx context.Context, name string, revision int, actor string) error
	Publish(ctx context.Context, req mail.Publish) (store.EmailTemplate, error)
	Revert(ctx context.Context, req mail.Revert) (store.EmailTemplate, error)
	// TestSend mails the previewed case to a staff address.
	TestSend(ctx context.Context, req mail.TestSend) (mail.Preview, error)
}

// editorCSP is the console's policy with inline styles allowed, for the
// editor's preview frame: a srcdoc frame takes its parent's policy, and
// emails carry their styles inline because mail clients ignore style
// sheets. The frame's sandbox blocks scripts and its own policy
// (views.previewDoc) blocks every load; the page's scripts stay ours only.
const editorCSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
	"script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"

const templatesPath = "/console/templates"

// handleTemplates is GET /console/templates.
func (h staffConsole) handleTemplates(c *fiber.Ctx) error {
	list, err := h.templates.List(c.UserContext())
	if err != nil {
		return err
	}
	v := views.TemplatesView{Shell: h.shell(c, templatesPath), Templates: list}
	return render(c, fiber.StatusOK, views.TemplatesPage(v), views.TemplatesContent(v))
}

// handleTemplate is GET /console/templates/:name: the editor, on the saved
// draft or, without one, the live version; ?case= picks the preview.
func (h staffConsole) handleTemplate(c *fiber.Ctx) error {
	w, err := h.templates.Open(c.UserContext(), c.Params("name"))
	if err != nil {
		return err
	}
	return h.renderEditor(c, fiber.StatusOK, w, w.DraftContent(), c.Query("case"), "")
}

// templateForm is what the editor's forms post.
type templateForm struct {
	content     mail.Content
	caseKey     string
	revision    int // the draft revision the page showed
	liveVersion int
	version     int // revert: the version to copy
	fromDefault bool
}

func parseTemplateForm(c *fiber.Ctx) templateForm {
	num := func(k string) int {
		n, _ := strconv.Atoi(c.FormValue(k))
		return n
	}
	return templateForm{
		content: mail.Content{
			Subject: formText(c, "subject"), HTML: formText(c, "html"), Text: formText(c, "text"),
		},
		caseKey:     c.FormValue("case"),
		revision:    num("revision"),
		liveVersion: num("live_version"),
		version:     num("version"),
		fromDefault: c.FormValue("from_default") == "1",
	}
}

// formText reads a textarea as the template source: browsers send line
// breaks as CRLF, which would otherwise show up in every diff and line
// count.
func formText(c *fiber.Ctx, key string) string {
	return strings.ReplaceAll(c.FormValue(key), "\r\n", "\n")
}

// renderEditor renders the editor on content (the draft, or what was just
// posted) with its preview for caseKey, and notice, the words of a refused
// change. An unknown case falls back to the template's own.
func (h staffConsole) renderEditor(c *fiber.Ctx, status int, w mail.Workspace, content mail.Content, caseKey, notice string) error {
	v, err := h.editorView(c, w, content, caseKey)
	if err != nil {
		return err
	}
	v.Notice = notice
	c.Set(fiber.HeaderContentSecurityPolicy, editorCSP)
	return render(c, status, views.TemplateEditorPage(v), views.TemplateEditorContent(v))
}

func (h staffConsole) editorView(c *fiber.Ctx, w mail.Workspace, content mail.Content, caseKey string) (views.TemplateEditorView, error) {
	if _, ok := mail.SampleCaseByKey(caseKey); !ok {
		caseKey = ""
	}
	p, err := mail.PreviewDraft(w.Name, content, caseKey)
	if err != nil {
		return views.TemplateEditorView{}, err
	}
	live := mail.Content{Subject: w.Live.Subject, HTML: w.Live.HTMLBody, Text: w.Live.TextBody}
	return views.TemplateEditorView{
		Shell: h.shell(c, templatesPath), Workspace: w, Content: content, Preview: p,
		Diff: mail.Diff(live, content), Variables: mail.VariablePanel(w.Name), Cases: mail.SampleCases(),
		Admin: signedInStaff(c).Role == staff.RoleAdmin,
	}, nil
}

// handleTemplatePreview is POST /console/templates/:name/preview: the text
// as typed, rendered. htmx (each pause in typing) gets the preview region;
// the Preview button without JavaScript gets the whole editor back.
func (h staffConsole) handleTemplatePreview(c *fiber.Ctx) error {
	w, err := h.templates.Open(c.UserContext(), c.Params("name"))
	if err != nil {
		return err
	}
	f := parseTemplateForm(c)
	v, err := h.editorView(c, w, f.content, f.caseKey)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentSecurityPolicy, editorCSP)
	return render(c, fiber.StatusOK, views.TemplateEditorPage(v), views.TemplatePreview(v))
}

// refusedEdit answers a change the editor refused for a reason staff can
// act on: the editor again, with the text they typed and the words, 422
// for a draft that does not validate and 409 for a stale page. Anything
// else goes to the ErrorHandler.
func (h staffConsole) refusedEdit(c *fiber.Ctx, name string, f templateForm, content mail.Content, err error) error {
	status := fiber.StatusUnprocessableEntity
	switch {
	case apperr.Is(err, apperr.Invalid):
	case apperr.Is(err, apperr.Conflict):
		status = fiber.StatusConflict
	default:
		return err
	}
	w, oerr := h.templates.Open(c.UserContext(), name)
	if oerr != nil {
		return oerr
	}
	msg := apperr.SafeMessage(err, "")
	if len(mail.Problems(err)) > 0 {
		msg = "Nothing was changed: the draft has problems, listed next to the preview."
	}
	return h.renderEditor(c, status, w, content, f.caseKey, msg)
}
