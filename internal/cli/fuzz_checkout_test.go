package cli

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCheckoutForm posts any form to POST /checkout of the whole app over
// a real database and the simulator: the four fields url-encoded, or,
// when raw is set, raw as the body itself (broken escapes, NUL bytes,
// repeated fields). The invariants: never a 5xx; an accepted form (303,
// or 204 with HX-Redirect for htmx) carries a valid email (one bare
// address, at most 254 bytes, text) and the one plan on sale, goes to the
// simulator's payment page or a status page, and its order is stored
// pending with that email and plan; a refusal (422, or 400 for the page's
// address) writes no order and queues no email; a form that is valid by
// those rules is accepted; and no form ever grants access.
func FuzzCheckoutForm(f *testing.F) {
	tok := "form-token-0123456789"
	for _, s := range [][5]string{
		{"jane@example.test", "pro-yearly", tok, "", ""},
		{" jane@example.test ", "pro-yearly", tok, "1", ""},
		{"Jane <jane@example.test>", "pro-yearly", tok, "", ""},
		{"jane@example.test", "gold-forever", tok, "", ""},
		{"jane@example.test", "", tok, "", ""},
		{"", "pro-yearly", tok, "", ""},
		{"jane@example.test", "pro-yearly", "short", "", ""},
		{"jane@example.test", "pro-yearly", tok + ":x", "", ""},
		{"ja\x00ne@example.test", "pro-yearly", tok, "", ""},
		{"jane@example.test", "pro-yearly\x00", tok, "", ""},
		{"\xff@example.test", "pro-yearly", tok, "", ""},
		{strings.Repeat("a", 250) + "@example.test", "pro-yearly", tok, "", ""},
		{strings.Repeat("a", 1<<16), strings.Repeat("p", 1<<16), strings.Repeat("t", 1<<10), "", ""},
		{"\"a b\"@example.test", "pro-yearly", tok, "", ""},
		{"a@[127.0.0.1]", "pro-yearly", tok, "", ""},
		{"", "", "", "", "email=jane%40example.test&plan=pro-yearly&form_token=" + tok},
		{"", "", "", "", "email=jane%00@example.test&plan=pro-yearly&form_token=" + tok},
		{"", "", "", "", "email=%zz&plan=%&form_token=" + tok},
		{"", "", "", "", "email=a@example.test&email=b@example.test&plan=pro-yearly&plan=gold&form_token=" + tok},
		{"", "", "", "", "%00=1&email=a@example.test&plan=pro-yearly&form_token=" + tok},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4], false)
	}
	f.Add("jane@example.test", "pro-yearly", tok, "", "", true)
	w := newFuzzWorld(f)
	f.Fuzz(func(t *testing.T, email, plan, token, again, raw string, htmx bool) {
		body, decided := raw, true
		q := url.Values{"email": {email}, "plan": {plan}, "form_token": {token}, "again": {again}}
		if raw == "" {
			body = q.Encode()
		} else {
			// A body Go cannot decode may be read otherwise by fasthttp:
			// then only the checks that need no field values apply.
			var err error
			q, err = url.ParseQuery(raw)
			email, plan, token, decided = q.Get("email"), q.Get("plan"), q.Get("form_token"), err == nil
		}
		ordersBefore := w.count(t, `SELECT count(*) FROM orders`)
		emailsBefore := w.count(t, `SELECT count(*) FROM email_messages`)
		grantsBefore := w.count(t, `SELECT count(*) FROM entitlement_grants`)
		req := httptest.NewRequest(http.MethodPost, "/checkout", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if htmx {
			req.Header.Set("HX-Request", "true")
		}
		resp, err := w.app.Test(req, fuzzRequestTimeout)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		trimmed := strings.TrimSpace(email)
		valid := validEmail(trimmed) && plan == demoPlan.Code && validToken(token) && allText(q)
		switch resp.StatusCode {
		case http.StatusSeeOther, http.StatusNoContent:
			to := resp.Header.Get("Location")
			if htmx {
				to = resp.Header.Get("HX-Redirect")
			}
			if decided && (!validEmail(trimmed) || plan != demoPlan.Code) {
				t.Fatalf("accepted email %q and plan %q", email, plan)
			}
			if !strings.HasPrefix(to, w.sim.URL+"/") && !strings.HasPrefix(to, "/status/") {
				t.Fatalf("accepted, sent to %q", to)
			}
			// One form, plan and address in any case is one order: a
			// resubmit in other letters goes to the order the first made.
			if decided && w.count(t, `SELECT count(*) FROM orders WHERE lower(email) = lower($1) AND plan_code = $2 AND status = 'pending'`, trimmed, plan) == 0 {
				t.Fatalf("accepted, but no pending order for %q", trimmed)
			}
		case http.StatusUnprocessableEntity, http.StatusBadRequest:
			if decided && valid {
				t.Fatalf("a valid form (%q, %q, %q) refused with %d: %.300s", email, plan, token, resp.StatusCode, page)
			}
			if w.count(t, `SELECT count(*) FROM orders`) != ordersBefore || w.count(t, `SELECT count(*) FROM email_messages`) != emailsBefore {
				t.Fatal("refused, but an order or an email was written")
			}
		default:
			t.Fatalf("answered %d: %.300s", resp.StatusCode, page)
		}
		if w.count(t, `SELECT count(*) FROM entitlement_grants`) != grantsBefore {
			t.Fatal("a checkout form granted access")
		}
	})
}

// validEmail is one bare address, as a person would type it, that
// PostgreSQL can store.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254 && utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// validToken is a form token the page could have issued.
func validToken(s string) bool {
	if len(s) < 16 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// allText reports whether every name and value of a form is UTF-8 without
// NUL bytes; a form with one that is not is refused whole.
func allText(q url.Values) bool {
	for k, vs := range q {
		for _, v := range append(vs, k) {
			if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				return false
			}
		}
	}
	return true
}
