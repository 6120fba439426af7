package stripeapi

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
)

// WebhookTolerance is how far a webhook's signed timestamp may be from now,
// in either direction.
const WebhookTolerance = 300 * time.Second

// VerifyWebhook checks a webhook's Stripe-Signature over the raw body, its
// timestamp within ±WebhookTolerance of now (stripe-go only rejects old
// ones), and its API version, and returns the event. Every failure is an
// apperr Invalid whose message says which check failed.
func VerifyWebhook(payload []byte, sigHeader, secret string, now time.Time) (billing.Event, error) {
	ts, err := signedAt(sigHeader)
	if err != nil {
		return billing.Event{}, err
	}
	if d := ts.Sub(now); d > WebhookTolerance || d < -WebhookTolerance {
		return billing.Event{}, apperr.New(apperr.Invalid, "webhook timestamp outside the tolerance")
	}
	ev, err := webhook.ConstructEventWithOptions(payload, sigHeader, secret, webhook.ConstructEventOptions{
		Tolerance: WebhookTolerance + time.Minute, // our own check above is the strict one
	})
	if err != nil {
		return billing.Event{}, apperr.Wrap(apperr.Invalid, webhookFailure(err), err)
	}
	if ev.ID == "" || ev.Type == "" {
		return billing.Event{}, apperr.New(apperr.Invalid, "webhook event has no id or type")
	}
	if !billing.StorablePayload(payload) {
		// PostgreSQL keeps no NUL, no broken UTF-8 and no lone surrogate
		// in text or jsonb: such an event would answer 500 on every
		// delivery, forever, and never be recorded. Refused, it is logged
		// once a delivery as what it is.
		return billing.Event{}, apperr.New(apperr.Invalid, "webhook payload is not text PostgreSQL can store (a NUL character, broken UTF-8 or a lone surrogate)")
	}
	return toEvent(&ev, json.RawMessage(payload)), nil
}

// signedAt reads the one timestamp of a Stripe-Signature header
// ("t=1700000000,v1=…,v1=…"). It splits the header exactly as stripe-go
// does, so both read the same t, and refuses a header with more than one:
// stripe-go verifies with the last t, so a second one would let a payload
// signed for a time far ahead pass a tolerance check made on the first.
// Several v1 values are legitimate (Stripe sends one per secret while a
// secret is rolled), as are empty or unknown parts, which stripe-go ignores.
func signedAt(header string) (time.Time, error) {
	if header == "" {
		return time.Time{}, apperr.New(apperr.Invalid, "webhook has no Stripe-Signature header")
	}
	malformed := apperr.New(apperr.Invalid, "webhook signature header is malformed")
	var ts []string
	for _, pair := range strings.Split(header, ",") {
		key, value, ok := strings.Cut(pair, "=")
		if !ok || strings.Contains(value, "=") {
			return time.Time{}, malformed
		}
		if key == "t" {
			ts = append(ts, value)
		}
	}
	if len(ts) > 1 {
		return time.Time{}, apperr.New(apperr.Invalid, "webhook signature header has more than one timestamp")
	}
	if len(ts) == 0 {
		return time.Time{}, malformed
	}
	sec, err := strconv.ParseInt(ts[0], 10, 64)
	if err != nil {
		return time.Time{}, malformed
	}
	return time.Unix(sec, 0), nil
}

func webhookFailure(err error) string {
	switch err {
	case webhook.ErrNotSigned:
		return "webhook has no signature"
	case webhook.ErrInvalidHeader:
		return "webhook signature header is malformed"
	case webhook.ErrNoValidSignature:
		return "webhook signature does not match"
	case webhook.ErrTooOld:
		return "webhook timestamp outside the tolerance"
	}
	if strings.Contains(err.Error(), "API version") {
		return "webhook API version is not " + stripe.APIVersion
	}
	return "webhook payload is not a valid event"
}
