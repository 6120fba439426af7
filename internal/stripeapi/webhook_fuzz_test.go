package stripeapi

import (
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/fuzzcheck"
)

// FuzzVerifyWebhook feeds VerifyWebhook any payload and Stripe-Signature
// header. With signed set, the header is made genuine (t= and v1= for the
// payload at now+offset seconds) and the fuzzer's header put around it
// (what comes before a "|" in front, the rest behind), so forged extras
// ride on a real signature. The invariants, both ways:
//
//   - accepted implies exactly one t= part, within the tolerance of now, a
//     v1= part that is the HMAC of "t.payload" under the secret, and an
//     event whose id and type are the payload's own, at our API version;
//   - a genuine header alone, within the tolerance, over a well-formed
//     event, is accepted;
//   - accepted also implies no NUL anywhere in the payload, which
//     PostgreSQL could not store;
//   - every refusal is apperr.Invalid with words for the sender.
func FuzzVerifyWebhook(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	good := string(hookPayload)
	for _, s := range []struct {
		payload, header string
		signed          bool
		offset          int64
	}{
		{good, "", true, 0},
		{good, "", true, 299},
		{good, "", true, -300},
		{good, "", true, 301},
		{good, ",v1=,v0=abc,x=y", true, 0},
		{good, ",t=1800086400", true, 0},
		{good, "t=1800000000,|", true, 86400}, // a second t in front of one signed a day ahead
		{good, "t=1800000000,v1=00,|,v1=", true, 0},
		{good, ",t=" + fmt.Sprint(now.Unix()), true, 0},
		{good, ",junk", true, 0},
		{good, ",t=1=2", true, 0},
		{good, "t=1800000000,v1=" + strings.Repeat("0", 64), false, 0},
		{good, "t=,v1=", false, 0},
		{good, "", false, 0},
		{strings.Replace(good, "2023-10-16", "2024-06-20", 1), "", true, 0},
		{`{"id":"","type":"x","api_version":"2023-10-16"}`, "", true, 0},
		{`{"id":"evt_2","object":"event","api_version":"2023-10-16","type":"charge.refunded","data":{"object":{"id":7}}}`, "", true, 0},
		{`not json`, "", true, 0},
		{`{"id":"evt_3","object":"event","api_version":"2023-10-16","type":"x","data":{"object":{"id":"cs_\u0000"}}}`, "", true, 0},
		{"{\"id\":\"evt_5\",\"object\":\"event\",\"api_version\":\"2023-10-16\",\"type\":\"x\",\"data\":{\"object\":{\"id\":\"cs_\x87\"}}}", "", true, 0},
		{`{"id":"evt_6","object":"event","api_version":"2023-10-16","type":"x","data":{"object":{"id":"cs_\udc00"}}}`, "", true, 0},
		{`{"id":"evt_4","object":"event","api_version":"2023-10-16","type":"x","data":{"object":{"id":"cs_\\u0000"}}}`, "", true, 0},
		{"{\"id\":\"evt_\x00\",\"type\":\"a\",\"api_version\":\"2023-10-16\"}", "", true, 0},
	} {
		f.Add([]byte(s.payload), s.header, s.signed, s.offset)
	}
	f.Fuzz(func(t *testing.T, payload []byte, header string, signed bool, offset int64) {
		genuine := ""
		if signed {
			at := now.Add(time.Duration(offset%1_000_000) * time.Second)
			genuine = "t=" + strconv.FormatInt(at.Unix(), 10) + ",v1=" + v1(hookSecret, at, payload)
			// What the fuzzer wrote before a "|" goes in front of the
			// genuine parts, the rest after them.
			before, after, ok := strings.Cut(header, "|")
			if !ok {
				before, after = "", header
			}
			header = before + genuine + after
		}
		ev, err := VerifyWebhook(payload, header, hookSecret, now)
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) || apperr.SafeMessage(err, "") == "" {
				t.Fatalf("refusal is not Invalid with words: %v", err)
			}
			if signed && header == genuine && fuzzcheck.WellFormedEvent(payload) && fuzzcheck.Abs(offset%1_000_000) <= 300 {
				t.Fatalf("genuine header refused: %q: %v", header, err)
			}
			return
		}
		ts, ok := oneTimestamp(header)
		if !ok {
			t.Fatalf("accepted a header without exactly one t=: %q", header)
		}
		if d := ts.Sub(now); d > WebhookTolerance || d < -WebhookTolerance {
			t.Fatalf("accepted t=%d, %v from now", ts.Unix(), d)
		}
		if !hasSignature(header, v1(hookSecret, ts, payload)) {
			t.Fatalf("accepted a header with no valid v1 for t=%d: %q", ts.Unix(), header)
		}
		var own struct {
			ID, Type   string
			APIVersion string `json:"api_version"`
		}
		if json.Unmarshal(payload, &own) != nil || own.ID != ev.ID || own.Type != ev.Type || ev.ID == "" || ev.Type == "" {
			t.Fatalf("event %q/%q is not the payload's own", ev.ID, ev.Type)
		}
		if own.APIVersion != "2023-10-16" {
			t.Fatalf("accepted api_version %q", own.APIVersion)
		}
		if !fuzzcheck.TextOnly(payload) {
			t.Fatal("accepted a payload with a NUL character or broken UTF-8, which cannot be stored")
		}
		if string(ev.Raw) != string(payload) {
			t.Fatal("Raw is not the signed payload")
		}
	})
}

// oneTimestamp is the header's t= value when it has exactly one.
func oneTimestamp(header string) (time.Time, bool) {
	var ts []string
	for _, part := range strings.Split(header, ",") {
		if v, ok := strings.CutPrefix(part, "t="); ok {
			ts = append(ts, v)
		}
	}
	if len(ts) != 1 {
		return time.Time{}, false
	}
	sec, err := strconv.ParseInt(ts[0], 10, 64)
	return time.Unix(sec, 0), err == nil
}

func hasSignature(header, want string) bool {
	for _, part := range strings.Split(header, ",") {
		if v, ok := strings.CutPrefix(part, "v1="); ok && hmac.Equal([]byte(v), []byte(want)) {
			return true
		}
	}
	return false
}
