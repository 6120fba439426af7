package mail

import (
	"context"
	"fmt"

	"github.com/backstophq/backstop/internal/store"
)

// SeedDefaults stores the built-in version 1 of every template that has no
// version yet. It is idempotent and never touches a template staff edited,
// so `dev`, `serve` and `migrate` may all call it at start.
func SeedDefaults(ctx context.Context, st *store.Store) error {
	for _, name := range Names() {
		c, _ := Default(name)
		_, err := st.EnsureTemplate(ctx, store.EmailTemplate{
			Name: name, Subject: c.Subject, HTMLBody: c.HTML, TextBody: c.Text, CreatedBy: "system",
		})
		if err != nil {
			return fmt.Errorf("seed template %s: %w", name, err)
		}
	}
	return nil
}
