package stripeapi

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	stripe "github.com/stripe/stripe-go/v76"
)

// maxEventTypes is Stripe's limit on the types filter.
const maxEventTypes = 20

// ListEvents streams the events created in r, newest first, of the given
// types (all types when empty). Each Event's Raw is the event's JSON exactly
// as the processor sent it, the same bytes a webhook would carry. Errors:
// Invalid for more than 20 types, Unavailable.
func (c *Client) ListEvents(ctx context.Context, r billing.Range, types []string, fn func(billing.Event) error) error {
	if len(types) > maxEventTypes {
		return apperr.New(apperr.Invalid, fmt.Sprintf("stripeapi: at most %d event types can be listed at once", maxEventTypes))
	}
	p := &stripe.EventListParams{CreatedRange: createdRange(r)}
	if len(types) > 0 {
		p.Types = stripe.StringSlice(types)
	}
	p.Context = ctx
	p.Limit = stripe.Int64(pageSize)
	it := c.api.Events.List(p)
	raw := &pageRaw{}
	convert := func(ev *stripe.Event) billing.Event { return toEvent(ev, raw.of(it.EventList(), ev)) }
	return stream(it, it.Event, convert, fn, "list events")
}

func toEvent(ev *stripe.Event, raw json.RawMessage) billing.Event {
	out := billing.Event{ID: ev.ID, Type: string(ev.Type), Created: unixTime(ev.Created), Raw: raw}
	if ev.Data != nil {
		out.ObjectID, _ = ev.Data.Object["id"].(string)
	}
	return out
}

// pageRaw keeps the raw JSON of each event on the current page, cut from
// the page's response body, so Raw keeps fields stripe-go does not model.
type pageRaw struct {
	page *stripe.EventList
	byEv map[*stripe.Event]json.RawMessage
}

func (p *pageRaw) of(page *stripe.EventList, ev *stripe.Event) json.RawMessage {
	if p.page != page {
		p.page, p.byEv = page, splitPage(page)
	}
	if raw, ok := p.byEv[ev]; ok {
		return raw
	}
	// Unreachable with stripe-go v76; re-encoding still gives JSON that
	// decodes into a stripe.Event.
	raw, _ := json.Marshal(ev)
	return raw
}

// splitPage pairs each decoded event with its bytes in the page's body;
// stripe-go decodes data in order, so the i-th raw item is Data[i].
func splitPage(page *stripe.EventList) map[*stripe.Event]json.RawMessage {
	if page == nil || page.LastResponse == nil {
		return nil
	}
	var body struct {
		Data []json.RawMessage `json:"data"`
	}
	if json.Unmarshal(page.LastResponse.RawJSON, &body) != nil || len(body.Data) != len(page.Data) {
		return nil
	}
	m := make(map[*stripe.Event]json.RawMessage, len(body.Data))
	for i, ev := range page.Data {
		m[ev] = body.Data[i]
	}
	return m
}
