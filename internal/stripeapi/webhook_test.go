package stripeapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
)

const hookSecret = "whsec_verify_test"

var hookPayload = []byte(`{"id":"evt_1","object":"event","api_version":"2023-10-16","created":1700000000,
	"type":"checkout.session.completed","data":{"object":{"id":"cs_1","object":"checkout.session"}}}`)

// v1 is the signature Stripe puts in a v1= part for payload signed at t.
func v1(secret string, t time.Time, payload []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.", t.Unix())
	mac.Write(payload)
	return hex.EncodeToString(mac.Sum(nil))
}

// TestVerifyWebhookHeaders: every corner of the Stripe-Signature header.
// Several v1 values (a secret being rolled), empty ones, v0 and unknown
// parts are Stripe's own and accepted; a second t= is refused, since
// stripe-go verifies with the last one while the tolerance is read from it
// too, and a header with two could carry a timestamp a day ahead.
func TestVerifyWebhookHeaders(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	ts := func(at time.Time) string { return fmt.Sprint(at.Unix()) }
	good := v1(hookSecret, now, hookPayload)
	ahead := now.Add(24 * time.Hour)
	cases := []struct {
		name    string
		header  string
		payload []byte
		refusal string // "" when accepted
	}{
		{"one t, one v1", "t=" + ts(now) + ",v1=" + good, nil, ""},
		{"two v1 while a secret is rolled", "t=" + ts(now) + ",v1=" + v1("whsec_old", now, hookPayload) + ",v1=" + good, nil, ""},
		{"the same v1 twice", "t=" + ts(now) + ",v1=" + good + ",v1=" + good, nil, ""},
		{"an empty v1 beside a good one", "t=" + ts(now) + ",v1=,v1=" + good, nil, ""},
		{"v0 and unknown parts", "t=" + ts(now) + ",v1=" + good + ",v0=abc,x=y", nil, ""},
		{"t last", "v1=" + good + ",t=" + ts(now), nil, ""},
		{"299 s ahead", "t=" + ts(now.Add(299*time.Second)) + ",v1=" + v1(hookSecret, now.Add(299*time.Second), hookPayload), nil, ""},
		{"second t a day ahead, signed for it", "t=" + ts(now) + ",t=" + ts(ahead) + ",v1=" + v1(hookSecret, ahead, hookPayload), nil, "more than one timestamp"},
		{"first t a day ahead, signed for the second", "t=" + ts(ahead) + ",t=" + ts(now) + ",v1=" + good, nil, "more than one timestamp"},
		{"the same t twice", "t=" + ts(now) + ",t=" + ts(now) + ",v1=" + good, nil, "more than one timestamp"},
		{"one t a day ahead", "t=" + ts(ahead) + ",v1=" + v1(hookSecret, ahead, hookPayload), nil, "outside the tolerance"},
		{"301 s old", "t=" + ts(now.Add(-301*time.Second)) + ",v1=" + v1(hookSecret, now.Add(-301*time.Second), hookPayload), nil, "outside the tolerance"},
		{"no header", "", nil, "no Stripe-Signature"},
		{"no t", "v1=" + good, nil, "malformed"},
		{"empty t", "t=,v1=" + good, nil, "malformed"},
		{"t not a number", "t=soon,v1=" + good, nil, "malformed"},
		{"a part with two =", "t=" + ts(now) + "=1,v1=" + good, nil, "malformed"},
		{"a part without =", "t=" + ts(now) + ",v1=" + good + ",junk", nil, "malformed"},
		{"spaces after commas", "t=" + ts(now) + ", v1=" + good, nil, "does not match"},
		{"no v1", "t=" + ts(now), nil, "does not match"},
		{"only an empty v1", "t=" + ts(now) + ",v1=", nil, "does not match"},
		{"wrong secret", "t=" + ts(now) + ",v1=" + v1("whsec_other", now, hookPayload), nil, "does not match"},
		{"signed for another t", "t=" + ts(now) + ",v1=" + v1(hookSecret, now.Add(time.Second), hookPayload), nil, "does not match"},
		{"body changed", "t=" + ts(now) + ",v1=" + good, []byte(strings.Replace(string(hookPayload), "cs_1", "cs_2", 1)), "does not match"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			payload := tc.payload
			if payload == nil {
				payload = hookPayload
			}
			ev, err := VerifyWebhook(payload, tc.header, hookSecret, now)
			if tc.refusal == "" {
				require.NoError(t, err)
				require.Equal(t, "evt_1", ev.ID)
				require.Equal(t, "cs_1", ev.ObjectID)
				return
			}
			require.Error(t, err)
			require.True(t, apperr.Is(err, apperr.Invalid), "%v", err)
			require.Contains(t, apperr.SafeMessage(err, ""), tc.refusal)
		})
	}
}

// TestVerifyWebhookRefusesNUL: a signed payload with a NUL character (raw
// or escaped), broken UTF-8 or a lone surrogate cannot be stored
// (PostgreSQL refuses them in text and jsonb), so it is refused rather than
// answered 500 on every delivery; a surrogate pair, or an escaped
// backslash before "u0000", is text.
func TestVerifyWebhookRefusesNUL(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	for _, tc := range []struct {
		object  string
		refused bool
	}{
		{`"cs_\u0000"`, true},
		{`"cs_1","name":"a\u0000b"`, true},
		{`"cs_\\u0000"`, false},
		{`"cs_1","name":"a\\\u0000"`, true},
		{"\"cs_\x87\"", true},
		{`"cs_\ud83d"`, true},
		{`"cs_\udc00"`, true},
		{`"cs_\ud83d\ude00"`, false},
		{`"cs_\\ud83d"`, false},
	} {
		payload := []byte(`{"id":"evt_1","object":"event","api_version":"2023-10-16","type":"x","data":{"object":{"id":` + tc.object + `}}}`)
		_, err := VerifyWebhook(payload, fmt.Sprintf("t=%d,v1=%s", now.Unix(), v1(hookSecret, now, payload)), hookSecret, now)
		if !tc.refused {
			require.NoError(t, err, tc.object)
			continue
		}
		require.Error(t, err, tc.object)
		require.Contains(t, apperr.SafeMessage(err, ""), "not text PostgreSQL can store", tc.object)
	}
}
