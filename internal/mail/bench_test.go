package mail

import "testing"

// What an edit costs: Validate renders the three parts for every sample
// case; the preview does that and one more render; queueing an email
// renders once. (go test -run '^$' -bench . ./internal/mail)
func BenchmarkValidate(b *testing.B) {
	c, _ := Default(StatusLink)
	for b.Loop() {
		if err := Validate(StatusLink, c.Subject, c.HTML, c.Text); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPreviewDraft(b *testing.B) {
	c, _ := Default(StatusLink)
	for b.Loop() {
		if _, err := PreviewDraft(StatusLink, c, "status_link_two_orders"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	c, _ := Default(OrderConfirmation)
	d := DefaultCase(OrderConfirmation).Data
	for b.Loop() {
		if _, err := Render(c, d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderCached is what the outbox pays to render an email of a
// version it rendered before.
func BenchmarkRenderCached(b *testing.B) {
	c, _ := Default(OrderConfirmation)
	d := DefaultCase(OrderConfirmation).Data
	tc := newTemplateCache()
	for b.Loop() {
		if _, err := tc.render(c, d); err != nil {
			b.Fatal(err)
		}
	}
}
