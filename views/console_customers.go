package views

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/backstophq/backstop/internal/console"
	"github.com/backstophq/backstop/internal/store"
)

// SearchView is the customer search's list of matches (or its miss).
type SearchView struct {
	Shell  ConsoleShell
	Result console.SearchResult
}

// CustomerView is one customer's page.
type CustomerView struct {
	Shell ConsoleShell
	File  console.CustomerFile
	Nonce string // the Resend forms' one-time token
	Back  string // where Resend and the mismatches' actions return
	// Refused is the mismatch whose action was just refused, with the
	// words why; 0 when none.
	Refused int64
	Refusal string
}

// mismatchActions is the actions region of an open mismatch of the
// customer's, as its own page offers them, posting back to this page.
// The processor is not asked for this page: the money actions ask it
// when clicked.
func (v CustomerView) mismatchActions(m console.OpenMismatch) CaseActions {
	a := NewCaseActions(v.Shell, CaseState{
		ID: m.ID, Kind: m.Kind, Status: "open", Version: m.Version,
		LinkedEmail: m.LinkedEmail, ClaimedBy: m.ClaimedBy, Granted: m.Granted, Subscription: m.SubscriptionID,
	})
	a.Back = v.Back
	if m.ID == v.Refused {
		a.Refusal = v.Refusal
	}
	return a
}

// EmailsView is the console's emails page.
type EmailsView struct {
	Shell     ConsoleShell
	Page      console.EmailPage
	Templates []string
}

// EmailView is one email's page.
type EmailView struct {
	Shell ConsoleShell
	Email store.EmailMessage
	Nonce string
	Back  string
}

// CustomerURL is the customer page of email.
func CustomerURL(email string) string {
	return "/console/customers/" + url.PathEscape(strings.ToLower(email))
}

// EmailURL is one email's page.
func EmailURL(id int64) string { return "/console/emails/" + strconv.FormatInt(id, 10) }

func resendURL(id int64) string { return EmailURL(id) + "/resend" }

func customerPageURL(email, after string) string {
	return CustomerURL(email) + "?after=" + url.QueryEscape(after)
}

// emailsURL is the emails page with f's filters, after the cursor.
func emailsURL(f store.EmailListFilter, after string) string {
	q := url.Values{}
	for k, v := range map[string]string{"to": f.To, "template": f.Template, "status": f.Status, "after": after} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return "/console/emails"
	}
	return "/console/emails?" + q.Encode()
}

// itemWords says what a timeline item is, in words.
func itemWords(it store.CustomerItem) string {
	switch it.Source {
	case "order":
		return "Order " + it.Ref + " started for " + it.What
	case "payment":
		return "Paid: payment " + it.Ref
	case "order_event":
		if w, ok := console.OrderEventWords(it.What); ok {
			return w + " (" + it.Ref + ")"
		}
		return upper(strings.ReplaceAll(it.What, "_", " ")) + " (" + it.Ref + ")"
	case "error":
		return "Error page shown with reference " + it.Ref + " on " + it.What
	case "webhook":
		return "Webhook " + it.What + " about " + it.Ref + " received (" + strings.ReplaceAll(it.Actor, "_", " ") + ")"
	case "email":
		return "Email " + it.What + ": \u201c" + it.Ref + "\u201d"
	case "mismatch":
		return "Reconciliation found: " + console.KindLabel(it.What)
	case "staff":
		return it.Actor + ": " + strings.ReplaceAll(it.What, "_", " ") + " (" + it.Ref + ")"
	}
	return it.What
}

// orderDetail reads the order item's detail "24900 usd webhook" into words.
func orderDetail(it store.CustomerItem) string {
	parts := strings.Fields(it.Detail)
	if len(parts) < 2 {
		return it.Status
	}
	n, _ := strconv.ParseInt(parts[0], 10, 64)
	s := amountOf(n, parts[1]) + " · status " + it.Status
	if len(parts) > 2 {
		s += " · fulfilled via " + strings.ReplaceAll(parts[2], "_", " ")
	}
	return s
}

func isoTime(it store.CustomerItem) string { return it.At.UTC().Format("2006-01-02T15:04:05Z") }
