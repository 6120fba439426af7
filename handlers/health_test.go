package handlers

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/backstophq/backstop/internal/apperr"
)

func TestHealthz(t *testing.T) {
	t.Parallel()
	ta := setup(t, func(d *Deps) { d.Ready = fakeReady{err: errors.New("database down")} })

	res := ta.get(t, "/healthz")

	assert.Equal(t, http.StatusOK, res.status, "liveness ignores the database")
	assert.Equal(t, "ok", res.body)
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		err    error
		status int
		body   string
	}{
		{"ready", nil, http.StatusOK, "ready"},
		{"not ready", apperr.New(apperr.Unavailable, "backstop migrations pending: run `backstop migrate`"),
			http.StatusServiceUnavailable, "not ready: backstop migrations pending: run `backstop migrate`"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ta := setup(t, func(d *Deps) { d.Ready = fakeReady{err: tc.err} })

			res := ta.get(t, "/readyz")

			assert.Equal(t, tc.status, res.status)
			assert.Equal(t, tc.body, res.body)
			assert.Empty(t, ta.errors.all(), "a failed probe is not an error report")
		})
	}
}
