package stripesim

import (
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"strings"
)

//go:embed hosted.html
var hostedHTML string

// page is the view model of the hosted payment page.
type page struct {
	SessionID string
	Product   string
	Amount    string
	Email     string
	AskEmail  bool
	Card      string
	Error     string
	Notice    string // set when the session can no longer be paid
	Success   string
}

// hostedPage serves GET and POST /pay/{session}: the page session.url
// points to. It works without JavaScript: the form posts the card number,
// success redirects (303) to success_url, a decline re-renders with 402.
func (s *Server) hostedPage() http.HandlerFunc {
	tmpl := template.Must(template.New("pay").Parse(hostedHTML))
	return func(w http.ResponseWriter, r *http.Request) {
		status, p, redirect := s.payPage(r)
		if redirect != "" {
			http.Redirect(w, r, redirect, http.StatusSeeOther)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		if err := tmpl.Execute(w, p); err != nil {
			s.log.Error("stripesim: rendering the payment page", "err", err)
		}
	}
}

// payPage decides what the page shows, paying on POST.
func (s *Server) payPage(r *http.Request) (status int, p page, redirect string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.saveIfDirty()
	rec, ok := s.st.Sessions.get(r.PathValue("session"))
	if !ok {
		return http.StatusNotFound, page{Notice: "This checkout page does not exist."}, ""
	}
	p = viewPage(rec)
	if p.Notice != "" {
		return http.StatusOK, p, ""
	}
	if r.Method != http.MethodPost {
		return http.StatusOK, p, ""
	}
	p.Card = r.PostFormValue("card")
	res, err := s.payCheckout(rec, p.Card, strings.TrimSpace(r.PostFormValue("email")))
	if err != nil {
		p.Error = err.Body.Message
		return err.Status, p, ""
	}
	return http.StatusSeeOther, p, res.Redirect
}

func viewPage(rec *sessionRecord) page {
	sess := rec.Session
	p := page{
		SessionID: sess.ID, Amount: money(sess.AmountTotal, sess.Currency),
		Email: deref(sess.CustomerEmail), AskEmail: sess.CustomerEmail == nil, Card: "4242 4242 4242 4242",
	}
	if len(rec.Items) > 0 {
		p.Product = rec.Items[0].Name
		if len(rec.Items) > 1 {
			p.Product += fmt.Sprintf(" and %d more", len(rec.Items)-1)
		}
	}
	switch sess.Status {
	case "complete":
		p.Notice = "This checkout session is already paid. Thank you!"
		p.Success = strings.ReplaceAll(sess.SuccessURL, "{CHECKOUT_SESSION_ID}", sess.ID)
	case "expired":
		p.Notice = "This checkout session has expired. Go back to the shop to start again."
	}
	return p
}

// money formats minor units for people: "$249.00", "¥500", "12.50 EUR".
func money(amount int64, currency string) string {
	switch strings.ToLower(currency) {
	case "usd":
		return fmt.Sprintf("$%d.%02d", amount/100, amount%100)
	case "jpy", "krw":
		return fmt.Sprintf("%d %s", amount, strings.ToUpper(currency))
	}
	return fmt.Sprintf("%d.%02d %s", amount/100, amount%100, strings.ToUpper(currency))
}
