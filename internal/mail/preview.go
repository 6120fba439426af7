package mail

import (
	"fmt"

	"github.com/backstophq/backstop/internal/apperr"
)

// Preview is a draft rendered for one sample case, as the editor shows it
// while someone types, and as a test send sends it.
type Preview struct {
	Case SampleCase
	// Out is the case rendered; a part that does not render is empty.
	Out Content
	// Problems are the draft's, against every case, as Validate finds them;
	// none means it can be saved.
	Problems []Problem
}

// PreviewDraft renders the unsaved draft c of template name for the
// sample case caseKey (the template's own case when empty) and validates
// it. Problems in the draft are not an error, they are in the Preview; an
// unknown template or case is an apperr Invalid.
func PreviewDraft(name string, c Content, caseKey string) (Preview, error) {
	if !IsKnown(name) {
		return Preview{}, apperr.New(apperr.Invalid, fmt.Sprintf("unknown template %q", name))
	}
	sc := DefaultCase(name)
	if caseKey != "" {
		var ok bool
		if sc, ok = SampleCaseByKey(caseKey); !ok {
			return Preview{}, apperr.New(apperr.Invalid, fmt.Sprintf("unknown sample case %q", caseKey))
		}
	}
	out, _ := render(c, sc.Data, defaultLimits())
	return Preview{Case: sc, Out: out, Problems: check(c)}, nil
}
