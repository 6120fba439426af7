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
	return toEvent(&ev, json.RawMessage(payload)), nil
}

func signedAt(header string) (time.Time, error) {
	if header == "" {
		return time.Time{}, apperr.New(apperr.Invalid, "webhook has no Stripe-Signature header")
	}
	for _, part := range strings.Split(header, ",") {
		if v, ok := strings.CutPrefix(part, "t="); ok {
			sec, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				break
			}
			return time.Unix(sec, 0), nil
		}
	}
	return time.Time{}, apperr.New(apperr.Invalid, "webhook signature header is malformed")
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
