package console

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/store"
)

func TestParseQueueFilter(t *testing.T) {
	t.Parallel()
	for query, want := range map[string]QueueFilter{
		"":                                  {Status: "open"},
		"status=all&kind=disputed":          {Status: "all", Kind: "disputed"},
		"claimed=anyone&age=24h":            {Status: "open", Age: "24h"},
		"claimed=me":                        {Status: "open", Claimed: "me"},
		"claimed=bo%40example.com&age=7d":   {Status: "open", Claimed: "bo@example.com", Age: "7d"},
		"after=u.1773144000000000.42":       {Status: "open", After: "u.1773144000000000.42"},
		"status=dismissed&claimed=+nobody+": {Status: "dismissed", Claimed: "nobody"},
	} {
		v, err := url.ParseQuery(query)
		require.NoError(t, err)
		got, err := ParseQueueFilter(v.Get)
		require.NoError(t, err, query)
		assert.Equal(t, want, got, query)
	}
	for query, says := range map[string]string{
		"kind=nonsense":  `no kind filter "nonsense"`,
		"status=closed":  `no status filter "closed"`,
		"age=3d":         `no age filter "3d"`,
		"claimed=alice":  `no claimed by filter "alice"`,
		"after=42":       "That page link is not one of ours",
		"after=u.x.1":    "That page link is not one of ours",
		"after=n.1.-4":   "That page link is not one of ours",
		"after=q.100.42": "That page link is not one of ours",
	} {
		v, _ := url.ParseQuery(query)
		_, err := ParseQueueFilter(v.Get)
		require.True(t, apperr.Is(err, apperr.Invalid), "%s: %v", query, err)
		assert.Contains(t, apperr.SafeMessage(err, ""), says, query)
	}
}

func TestCursorRoundTrips(t *testing.T) {
	t.Parallel()
	for _, k := range []store.QueueKey{
		{Urgent: true, At: time.Date(2026, 3, 10, 12, 0, 0, 123456000, time.UTC), ID: 42},
		{Urgent: false, At: time.Date(1999, 1, 1, 0, 0, 0, 1000, time.UTC), ID: 1},
	} {
		got, err := parseCursor(formatCursor(k))
		require.NoError(t, err)
		assert.Equal(t, k, *got)
	}
	got, err := parseCursor("")
	require.NoError(t, err)
	assert.Nil(t, got, "no cursor: the first page")
}
