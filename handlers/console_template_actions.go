package handlers

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/mail"
	"github.com/backstophq/backstop/views"
)

// handleSaveDraft is POST /console/templates/:name/draft (support and
// admin): the draft is saved if it validates for every sample case, and
// the browser goes back to the editor; otherwise the editor comes back
// with the text as typed and every problem placed (422), or with who
// saved meanwhile (409).
func (h staffConsole) handleSaveDraft(c *fiber.Ctx) error {
	name, f := c.Params("name"), parseTemplateForm(c)
	d, err := h.templates.SaveDraft(c.UserContext(), mail.SaveDraft{
		Name: name, Content: f.content, Revision: f.revision, FromDefault: f.fromDefault, Actor: signedInStaff(c).Email,
	})
	if err != nil {
		return h.refusedEdit(c, name, f, f.content, err)
	}
	flashNext(c, fmt.Sprintf("Draft saved (revision %d). Customers still get the live version until an admin publishes it.", d.Revision), h.secure)
	return redirect(c, views.TemplateURL(name))
}

// handleDiscardDraft is POST /console/templates/:name/discard.
func (h staffConsole) handleDiscardDraft(c *fiber.Ctx) error {
	name, f := c.Params("name"), parseTemplateForm(c)
	if err := h.templates.DiscardDraft(c.UserContext(), name, f.revision, signedInStaff(c).Email); err != nil {
		return h.refusedSaved(c, name, f, err)
	}
	flashNext(c, "Draft discarded. The live version is unchanged.", h.secure)
	return redirect(c, views.TemplateURL(name))
}

// handlePublish is POST /console/templates/:name/publish (admin): the saved
// draft at the revision the page showed becomes the live version.
func (h staffConsole) handlePublish(c *fiber.Ctx) error {
	name, f := c.Params("name"), parseTemplateForm(c)
	v, err := h.templates.Publish(c.UserContext(), mail.Publish{
		Name: name, Revision: f.revision, LiveVersion: f.liveVersion, Actor: signedInStaff(c).Email,
	})
	if err != nil {
		return h.refusedSaved(c, name, f, err)
	}
	flashNext(c, fmt.Sprintf("Published: v%d is live. Every email queued from now on uses it.", v.Version), h.secure)
	return redirect(c, views.TemplateURL(name))
}

// handleRevert is POST /console/templates/:name/revert (admin): a copy of
// an older version becomes the live version.
func (h staffConsole) handleRevert(c *fiber.Ctx) error {
	name, f := c.Params("name"), parseTemplateForm(c)
	v, err := h.templates.Revert(c.UserContext(), mail.Revert{
		Name: name, Version: f.version, LiveVersion: f.liveVersion, Actor: signedInStaff(c).Email,
	})
	if err != nil {
		return h.refusedSaved(c, name, f, err)
	}
	flashNext(c, fmt.Sprintf("Reverted: v%d, a copy of v%d, is live.", v.Version, f.version), h.secure)
	return redirect(c, views.TemplateURL(name))
}

// handleTestSend is POST /console/templates/:name/test: the previewed case,
// exactly as previewed (unsaved text included), to the signed-in staff
// member. The editor comes back with the same text, since nothing was
// saved.
func (h staffConsole) handleTestSend(c *fiber.Ctx) error {
	name, f := c.Params("name"), parseTemplateForm(c)
	me := signedInStaff(c).Email
	p, err := h.templates.TestSend(c.UserContext(), mail.TestSend{
		Name: name, Content: f.content, Case: f.caseKey, To: me, Actor: me,
	})
	if err != nil {
		return h.refusedEdit(c, name, f, f.content, err)
	}
	w, err := h.templates.Open(c.UserContext(), name)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Test sent to %s: “%s”, as previewed for “%s”. Nothing was saved.", me, p.Out.Subject, p.Case.Title)
	flashNow(c, msg)
	v, err := h.editorView(c, w, f.content, p.Case.Key)
	if err != nil {
		return err
	}
	v.Shell.Flash = msg
	c.Set(fiber.HeaderContentSecurityPolicy, editorCSP)
	return render(c, fiber.StatusOK, views.TemplateEditorPage(v), views.TemplateEditorContent(v))
}

// refusedSaved is refusedEdit for changes made to what is saved (publish,
// revert, discard): the editor comes back on the saved draft.
func (h staffConsole) refusedSaved(c *fiber.Ctx, name string, f templateForm, err error) error {
	w, oerr := h.templates.Open(c.UserContext(), name)
	if oerr != nil {
		return oerr
	}
	return h.refusedEdit(c, name, f, w.DraftContent(), err)
}
