package store_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/store"
)

func TestRecentEmailMessagesNewestFirst(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := store.New(dbtest.New(t))

	empty, err := st.RecentEmailMessages(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, empty)

	for i := range 3 {
		require.NoError(t, st.InTx(ctx, func(tx *store.Tx) error {
			_, _, err := tx.InsertEmailMessage(ctx, store.EmailMessage{
				Template: "order_confirmation", TemplateVersion: new(1), To: "jane@example.com",
				Subject: fmt.Sprintf("s%d", i), HTMLBody: "<p>h</p>", TextBody: "t",
				DedupeKey: fmt.Sprintf("k%d", i), MessageID: fmt.Sprintf("<%d@example.com>", i),
			})
			return err
		}))
	}

	all, err := st.RecentEmailMessages(ctx, 0) // out of range: the default
	require.NoError(t, err)
	require.Len(t, all, 3)
	assert.Equal(t, []string{"s2", "s1", "s0"}, []string{all[0].Subject, all[1].Subject, all[2].Subject})

	two, err := st.RecentEmailMessages(ctx, 2)
	require.NoError(t, err)
	require.Len(t, two, 2)
	assert.Equal(t, "s2", two[0].Subject)
}
