package resolve

import (
	"context"
	"fmt"
	"strings"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/store"
)

// NoteRequest is the Note form.
type NoteRequest struct {
	Request
	Text string
}

// Note appends a line to the mismatch's notes, with who wrote it and
// when. Appending decides nothing, so a note is taken from a stale page
// and on a closed mismatch ("customer confirmed access"); it still counts
// as a change, so a page older than it refuses the deciding actions.
//
// Errors: Invalid (empty, too long, or characters we cannot store),
// Forbidden, NotFound.
func (s *Service) Note(ctx context.Context, req NoteRequest) (Result, error) {
	text, err := cleanText("note", req.Text, maxNote)
	if err != nil {
		return Result{}, err
	}
	if text == "" {
		return Result{}, apperr.New(apperr.Invalid, "Write the note first.")
	}
	if err := checkActor(req.Actor); err != nil {
		return Result{}, err
	}
	var res Result
	err = s.store.InTx(ctx, func(tx Tx) error {
		m, err := tx.LockMismatch(ctx, req.MismatchID)
		if err != nil {
			return notFound(err)
		}
		now := s.now().UTC()
		line := fmt.Sprintf("[%s] %s: %s\n", now.Format("2006-01-02 15:04 UTC"), req.Actor.Email,
			strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", "\n    "))
		res = Result{MismatchID: m.ID, Status: m.Status, Message: "Note added."}
		res.Version, err = tx.UpdateMismatch(ctx, store.MismatchChange{ID: m.ID, Actor: req.Actor.Email,
			Action: string(ActionNote), At: now, Note: line})
		if err != nil {
			return err
		}
		return tx.AppendAudit(ctx, audit(req.Actor, ActionNote, m, map[string]string{"note": text}))
	})
	if err != nil {
		return Result{}, err
	}
	return res, nil
}
