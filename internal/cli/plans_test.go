package cli

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/dbtest"
)

func TestPlansAddAndList(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": dbtest.URL(t)}
	out, _, err := runInProcess(t, env, "plans", "add", "--code", "pro-yearly", "--name", "Pro",
		"--amount", "24900", "--currency", "usd", "--interval", "year")
	require.NoError(t, err)
	require.Equal(t, "plan pro-yearly saved: Pro, $249.00 per year, renewing as a subscription\n", out)
	out, _, err = runInProcess(t, env, "plans", "add", "--code", "old", "--name", "Old",
		"--amount", "900", "--currency", "eur", "--interval", "month", "--active=false", "--one-time")
	require.NoError(t, err)
	require.Equal(t, "plan old saved: Old, 9.00 EUR once for one month of access\n", out)

	out, _, err = runInProcess(t, env, "plans", "list", "--json")
	require.NoError(t, err)
	var plans []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &plans))
	require.Equal(t, []map[string]any{
		{"code": "old", "name": "Old", "amount": 900.0, "currency": "eur", "interval": "month", "one_time": true, "active": false},
		{"code": "pro-yearly", "name": "Pro", "amount": 24900.0, "currency": "usd", "interval": "year", "one_time": false, "active": true},
	}, plans)

	out, _, err = runInProcess(t, env, "plans", "list", "--active")
	require.NoError(t, err)
	require.Contains(t, out, "pro-yearly")
	require.NotContains(t, out, "old")
}

func TestPlansAddUpdatesExistingCode(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": dbtest.URL(t)}
	add := func(amount string) {
		_, _, err := runInProcess(t, env, "plans", "add", "--code", "pro", "--name", "Pro",
			"--amount", amount, "--interval", "year")
		require.NoError(t, err)
	}
	add("100")
	add("200")
	out, _, err := runInProcess(t, env, "plans", "list", "--json")
	require.NoError(t, err)
	require.JSONEq(t, `[{"code":"pro","name":"Pro","amount":200,"currency":"usd","interval":"year","one_time":false,"active":true}]`, out)
}

func TestPlansListEmptyIsEmptyArray(t *testing.T) {
	t.Parallel()
	out, _, err := runInProcess(t, map[string]string{"DATABASE_URL": dbtest.URL(t)}, "plans", "list", "--json")
	require.NoError(t, err)
	require.JSONEq(t, `[]`, out)
}

func TestPlansAddValidation(t *testing.T) {
	t.Parallel()
	valid := map[string]string{"code": "pro", "name": "Pro", "amount": "100", "currency": "usd", "interval": "year"}
	tests := []struct{ flag, value, want string }{
		{"code", "Pro Yearly", `--code "Pro Yearly"`},
		{"code", "", `--code ""`},
		{"name", " ", "--name is required"},
		{"amount", "0", "--amount 0"},
		{"amount", "-5", "--amount -5"},
		{"currency", "USD", `--currency "USD"`},
		{"currency", "usdx", `--currency "usdx"`},
		{"interval", "week", `--interval "week"`},
	}
	for _, tt := range tests {
		t.Run(tt.flag+"="+tt.value, func(t *testing.T) {
			t.Parallel()
			args := []string{"plans", "add"}
			for k, v := range valid {
				if k == tt.flag {
					v = tt.value
				}
				args = append(args, "--"+k+"="+v)
			}
			// No database: validation must fail before connecting.
			_, _, err := runInProcess(t, nil, args...)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestPlansUsageErrors(t *testing.T) {
	t.Parallel()
	_, _, err := runInProcess(t, nil, "plans")
	require.ErrorContains(t, err, "add or list")
	_, _, err = runInProcess(t, nil, "plans", "remove")
	require.ErrorContains(t, err, `unknown subcommand "remove"`)
	_, usage, err := runInProcess(t, nil, "plans", "--help")
	require.NoError(t, err)
	require.Contains(t, usage, "plans add --code")
	_, _, err = runInProcess(t, nil, "plans", "list")
	require.EqualError(t, err, "DATABASE_URL is required")
}
