package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/backstophq/backstop/internal/fuzzcheck"
)

// The placeholders a fuzzed webhook body may carry for the world's real
// objects; they are replaced before the body is signed.
var fuzzPlaceholders = []string{"cs_PENDING", "cs_SERVED", "pi_SERVED", "ch_SERVED"}

// FuzzWebhookEndpoint posts any body with any Stripe-Signature header to
// POST /webhooks/stripe of the whole app over a real database and the
// simulator. With signed set, the header is made genuine for the body at
// now+offset seconds and the fuzzer's header appended to it. The
// invariants: the answer is 200, 400 or 500 in JSON; only a body signed
// with the secret within the tolerance gets anything but 400, and then
// the event is stored; a refusal stores nothing; a genuine header alone
// over a well-formed event is never refused; and whatever the body claims,
// the money state never changes in this world (fuzzWorld).
func FuzzWebhookEndpoint(f *testing.F) {
	event := func(typ, object string) []byte {
		return []byte(`{"id":"evt_seed_` + strings.ReplaceAll(typ, ".", "_") + `","object":"event","api_version":"2023-10-16","created":1800000000,` +
			`"type":"` + typ + `","data":{"object":` + object + `}}`)
	}
	paid := `{"id":"cs_PENDING","object":"checkout.session","payment_status":"paid","status":"complete","payment_intent":"pi_SERVED"}`
	for _, s := range []struct {
		body, header string
		signed       bool
		offset       int64
	}{
		{string(event("checkout.session.completed", paid)), "", true, 0},
		{string(event("checkout.session.completed", `{"id":"cs_SERVED"}`)), "", true, 0},
		{string(event("payment_intent.succeeded", `{"id":"pi_SERVED","status":"succeeded"}`)), "", true, -120},
		{string(event("charge.refunded", `{"id":"ch_SERVED","refunded":true}`)), "", true, 200},
		{string(event("charge.dispute.created", `{"id":"dp_1","charge":"ch_SERVED","status":"lost"}`)), "", true, 0},
		{string(event("checkout.session.expired", `{"id":"cs_PENDING","status":"expired"}`)), "", true, 0},
		{string(event("checkout.session.completed", paid)), "", true, 400},
		{string(event("checkout.session.completed", paid)), ",t=1800000000", true, 0},
		{string(event("checkout.session.completed", paid)), "", false, 0},
		{string(event("checkout.session.completed", paid)), "t=1800000000,v1=00", false, 0},
		{string(bytes.Replace(event("checkout.session.completed", paid), []byte("2023-10-16"), []byte("2024-06-20"), 1)), "", true, 0},
		{string(event("checkout.session.completed", `{"id":"cs_\u0000"}`)), "", true, 0},
		{`{"id":"evt_seed_nul","object":"event","api_version":"2023-10-16","type":"checkout.session.completed","data":{"object":{"id":"cs_\u0000"}}}`, "", true, 0},
		{string(event("checkout.session.completed", `{"id":7}`)), "", true, 0},
		{`{"id":"evt_x","type":"x","api_version":"2023-10-16","data":null}`, "", true, 0},
		{"\x00\xff", "", true, 0},
	} {
		f.Add([]byte(s.body), s.header, s.signed, s.offset)
	}
	w := newFuzzWorld(f)
	real := []string{w.pendingSession, w.servedSession, w.served.PaymentIntentID, w.served.ChargeID}
	f.Fuzz(func(t *testing.T, body []byte, header string, signed bool, offset int64) {
		for i, p := range fuzzPlaceholders {
			body = bytes.ReplaceAll(body, []byte(p), []byte(real[i]))
		}
		offset %= 1_000_000
		genuine := ""
		if signed {
			sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{
				Payload: body, Secret: testSecret, Timestamp: time.Now().Add(time.Duration(offset) * time.Second),
			})
			genuine = sp.Header
			header = genuine + header
		}
		eventsBefore := w.count(t, `SELECT count(*) FROM processor_events`)
		req := httptest.NewRequest(http.MethodPost, "/webhooks/stripe", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if header != "" {
			req.Header.Set("Stripe-Signature", header)
		}
		resp, err := w.app.Test(req, fuzzRequestTimeout)
		if err != nil {
			t.Fatal(err)
		}
		reply, _ := io.ReadAll(resp.Body)
		var answer struct {
			Received bool
			Error    string
		}
		if json.Unmarshal(reply, &answer) != nil || answer.Received == (answer.Error != "") {
			t.Fatalf("answer %d is not our JSON: %q", resp.StatusCode, reply)
		}
		stored := w.count(t, `SELECT count(*) FROM processor_events`) - eventsBefore
		switch resp.StatusCode {
		case http.StatusBadRequest:
			if stored != 0 {
				t.Fatalf("refused (%s) but stored %d events", answer.Error, stored)
			}
			if signed && header == genuine && fuzzcheck.Abs(offset) <= 298 && len(body) <= 256<<10 && fuzzcheck.WellFormedEvent(body) {
				t.Fatalf("a genuine delivery refused: %s", answer.Error)
			}
		case http.StatusOK, http.StatusInternalServerError:
			if !signed || fuzzcheck.Abs(offset) >= 302 {
				t.Fatalf("answered %d to a delivery not signed within the tolerance (signed %v, %+d s)", resp.StatusCode, signed, offset)
			}
			var ev struct{ ID string }
			_ = json.Unmarshal(body, &ev)
			if w.count(t, `SELECT count(*) FROM processor_events WHERE id = $1`, ev.ID) != 1 {
				t.Fatalf("answered %d but event %q is not stored", resp.StatusCode, ev.ID)
			}
		default:
			t.Fatalf("answered %d: %q", resp.StatusCode, reply)
		}
		w.unchanged(t, "a webhook")
	})
}
