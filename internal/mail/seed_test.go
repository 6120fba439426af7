package mail

import (
	"path"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/store"
	"github.com/backstophq/backstop/migrations"
)

// A database seeded before the templates migration holds the default of
// its day as version 1. The migration keeps that as the default on record,
// under the hash ContentHash gives, and as version 0, so the next start's
// seed adds nothing and the editor compares like with like.
func TestTemplatesMigrationBackfillsVersionZero(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := dbtest.New(t)
	p, err := goose.NewProvider(goose.DialectPostgres, db.DB, migrations.FS)
	require.NoError(t, err)
	var prev, this int64
	for _, s := range p.ListSources() {
		if strings.HasSuffix(path.Base(s.Path), "_templates.sql") {
			this = s.Version
			break
		}
		prev = s.Version
	}
	require.NotZero(t, this)
	_, err = p.DownTo(ctx, prev)
	require.NoError(t, err)

	old, _ := Default(RefundIssued)
	old.Subject = "Refund {{.PublicRef}}" // the default of an older release
	_, err = db.ExecContext(ctx, `INSERT INTO email_templates (name, version, subject, html_body, text_body, created_by)
		VALUES ($1, 1, $2, $3, $4, 'system'), ($1, 2, 'edited', 'h', 't', 'sam@example.com')`,
		RefundIssued, old.Subject, old.HTML, old.Text)
	require.NoError(t, err)
	_, err = p.UpTo(ctx, this)
	require.NoError(t, err)

	st := store.New(db)
	v0, err := st.TemplateVersion(ctx, RefundIssued, 0)
	require.NoError(t, err)
	assert.Equal(t, old.Subject, v0.Subject)
	assert.Equal(t, ContentHash(old), v0.DefaultHash, "SQL and Go hash alike")
	d, err := st.ShippedDefault(ctx, RefundIssued, ContentHash(old))
	require.NoError(t, err)
	assert.Equal(t, old.HTML, d.HTMLBody)
	v2, err := st.TemplateVersion(ctx, RefundIssued, 2)
	require.NoError(t, err)
	assert.Equal(t, ContentHash(old), v2.DefaultHash, "an edit is taken as based on that default")

	_, err = p.Up(ctx)
	require.NoError(t, err)
	require.NoError(t, SeedDefaults(ctx, st))
	versions, err := st.TemplateVersions(ctx, RefundIssued)
	require.NoError(t, err)
	assert.Len(t, versions, 3, "the seed adds no version")
}

func TestContentHashTellsPartsApart(t *testing.T) {
	t.Parallel()
	a := ContentHash(Content{Subject: "ab", HTML: "c", Text: "d"})
	assert.Len(t, a, 64)
	assert.NotEqual(t, a, ContentHash(Content{Subject: "a", HTML: "bc", Text: "d"}))
	assert.Equal(t, a, ContentHash(Content{Subject: "ab", HTML: "c", Text: "d"}))
}
