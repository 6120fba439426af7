package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// quick is the customers' browser: it shows redirects instead of following
// them and gives up on a page after a few seconds, as people do.
var quick = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// checkoutPatience is how long a customer keeps pressing "Pay" while the
// app is down or busy before walking away.
const checkoutPatience = 30 * time.Second

// shopper drives customers against a world, counting what they did.
type shopper struct {
	t     *testing.T
	w     *world
	tally *tally
}

// customer checks out with one form (retrying it, same token, while the app
// is down or busy), pays on the processor's page, and most of the time
// follows the redirect back to the app once.
func (s shopper) customer(email string, rng *rand.Rand) {
	session := s.startCheckout(email, formToken(), rng)
	if session == "" {
		s.tally.gaveUp.Add(1)
		return
	}
	redirect := s.payAtProcessor(session)
	if redirect == "" {
		s.tally.gaveUp.Add(1)
		return
	}
	s.tally.paid.Add(1)
	if rng.IntN(10) >= 7 {
		return // closed the tab on the processor's page
	}
	if resp, err := quick.Get(redirect); err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	s.tally.returned.Add(1)
}

// startCheckout posts the pricing form until the app sends the customer to
// the payment page, and returns the session id ("" when they gave up).
func (s shopper) startCheckout(email, token string, rng *rand.Rand) string {
	form := url.Values{"email": {email}, "plan": {"pro-yearly"}, "form_token": {token}}
	deadline := time.Now().Add(checkoutPatience)
	for attempt := 0; time.Now().Before(deadline); attempt++ {
		if attempt > 0 {
			s.tally.retries.Add(1)
			time.Sleep(time.Duration(100+rng.IntN(400)) * time.Millisecond)
		}
		resp, err := quick.PostForm(s.w.appURL("/checkout"), form)
		if err != nil {
			continue // the app is down: press the button again
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		switch {
		case resp.StatusCode == http.StatusSeeOther && strings.Contains(loc, "/pay/cs_"):
			return loc[strings.LastIndex(loc, "/")+1:]
		case resp.StatusCode >= 500:
			continue // busy or dying: the calm page says try again
		default:
			s.t.Errorf("checkout for %s answered %d (Location %q); a customer's retry must continue the order", email, resp.StatusCode, loc)
			return ""
		}
	}
	return ""
}

// payAtProcessor presses the hosted page's button with a card that
// succeeds and returns where the processor sends the customer. A press
// whose answer was lost (a timeout) may have paid: pressed again, the
// session then says it is complete, and the customer goes on to the return
// page as the processor would have sent them.
func (s shopper) payAtProcessor(session string) string {
	body, _ := json.Marshal(map[string]string{"card": "4242424242424242"})
	lost := false
	for range 5 {
		resp, err := quick.Post(s.w.simURL("/_sim/checkout/"+session+"/pay"), "application/json", bytes.NewReader(body))
		if err != nil {
			lost = true
			time.Sleep(200 * time.Millisecond)
			continue
		}
		var out struct {
			Redirect string `json:"redirect"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusOK && err == nil:
			return out.Redirect
		case lost && s.sessionComplete(session):
			return s.w.appURL("/checkout/return?session_id=" + session)
		}
		s.t.Errorf("paying session %s: the simulator answered %s", session, resp.Status)
		return ""
	}
	return ""
}

func (s shopper) sessionComplete(session string) bool {
	req, _ := http.NewRequest(http.MethodGet, s.w.simURL("/v1/checkout/sessions/"+session), nil)
	req.Header.Set("Authorization", "Bearer "+s.w.apiKey)
	resp, err := quick.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var sess struct {
		Status string `json:"status"`
	}
	return json.NewDecoder(resp.Body).Decode(&sess) == nil && sess.Status == "complete"
}
