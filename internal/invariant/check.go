package invariant

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Sources are what Check reads: the database, the processor and, when set,
// the mailbox the app's SMTP server delivered to.
type Sources struct {
	DB        *sqlx.DB
	Processor Processor
	// Mailbox is optional: without it, emails are checked in the database only.
	Mailbox *Mailpit
}

// Violation is one broken promise, in words.
type Violation struct {
	Rule    string // a short name: payment_served_once, served_without_payment, …
	Subject string // the payment, order, event or job it is about
	Detail  string
}

func (v Violation) String() string { return v.Rule + ": " + v.Subject + ": " + v.Detail }

// Check reads the final state and returns every violation, in the order of
// the rules (see the package doc). The error is a failure to read, never a
// violation.
func Check(ctx context.Context, src Sources) ([]Violation, error) {
	f, err := src.Processor.read(ctx)
	if err != nil {
		return nil, err
	}
	var all []Violation
	for _, rule := range []func(context.Context, Sources, facts) ([]Violation, error){
		paymentsServedOnce, servedWithoutPayment, grantedOnce, renewalsGrantedOnce, emailedOnce,
		eventsAccountedFor, noRunningJobs,
	} {
		vs, err := rule(ctx, src, f)
		if err != nil {
			return all, err
		}
		all = append(all, vs...)
	}
	return all, nil
}

// Strings is every violation as a line, for a test to print.
func Strings(vs []Violation) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.String()
	}
	return out
}

func ids(ps []payment, unrefundedOnly bool) []string {
	out := []string{}
	for _, p := range ps {
		if !unrefundedOnly || !p.Refunded {
			out = append(out, p.ID)
		}
	}
	return out
}

func violation(rule, subject, format string, args ...any) Violation {
	return Violation{Rule: rule, Subject: subject, Detail: fmt.Sprintf(format, args...)}
}
