package mail

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/backstophq/backstop/internal/store"
)

// SeedDefaults records the shipped default of every template and stores
// it as version 0 where the template has none. It is idempotent and never
// touches a version, so `dev`, `serve` and `migrate` may all call it at
// start. A release that changes a default adds it to the defaults on
// record, and the editor says that the default changed since the live
// version was based on it.
func SeedDefaults(ctx context.Context, st *store.Store) error {
	for _, name := range Names() {
		c, _ := Default(name)
		_, err := st.SeedTemplate(ctx, store.EmailTemplate{
			Name: name, Subject: c.Subject, HTMLBody: c.HTML, TextBody: c.Text,
			CreatedBy: "system", DefaultHash: ContentHash(c),
		})
		if err != nil {
			return fmt.Errorf("seed template %s: %w", name, err)
		}
	}
	return nil
}

// ContentHash identifies a template's content: the hex SHA-256 of the
// SHA-256 of each part in turn, so no choice of text can make two
// different contents collide by moving a boundary. Migration 00011
// computes the same in SQL for databases seeded before it.
func ContentHash(c Content) string {
	h := sha256.New()
	for _, part := range []string{c.Subject, c.HTML, c.Text} {
		sum := sha256.Sum256([]byte(part))
		h.Write(sum[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// content is a stored version's source.
func content(t store.EmailTemplate) Content {
	return Content{Subject: t.Subject, HTML: t.HTMLBody, Text: t.TextBody}
}
