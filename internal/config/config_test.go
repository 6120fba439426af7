package config

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func validEnv() map[string]string {
	return map[string]string{
		"DATABASE_URL":          "postgres://backstop@127.0.0.1:5432/backstop?sslmode=disable",
		"STRIPE_SECRET_KEY":     "sk_test_123",
		"STRIPE_WEBHOOK_SECRET": "whsec_abc",
		"BASE_URL":              "https://shop.example.com/",
		"SUPPORT_EMAIL":         "support@example.com",
	}
}

func load(env map[string]string) (Config, error) {
	return Load(func(k string) string { return env[k] })
}

func TestLoadDefaults(t *testing.T) {
	c, err := load(validEnv())
	require.NoError(t, err)
	require.Equal(t, "https://shop.example.com", c.BaseURL)
	require.Equal(t, ":8080", c.ListenAddr)
	require.Equal(t, "support@example.com", c.MailFrom)
	require.Equal(t, 30*time.Second, c.ReconEventsInterval)
	require.Equal(t, time.Hour, c.ReconSweepInterval)
	require.Equal(t, 72*time.Hour, c.ReconLookback)
	require.Equal(t, 2*time.Minute, c.ReconGrace)
	require.Equal(t, 7*24*time.Hour, c.RenewalGrace)
	require.Zero(t, c.StripeRateLimit, "the adapter's default")
	require.Nil(t, c.Faults)

	env := validEnv()
	env["STRIPE_RATE_LIMIT"] = "2.5"
	c, err = load(env)
	require.NoError(t, err)
	require.Equal(t, 2.5, c.StripeRateLimit)
}

// TestLoadTakesASocketDatabaseURL: the URL backstop dev prints names the
// socket's directory instead of a host.
func TestLoadRenewalGraceInDaysOrHours(t *testing.T) {
	for value, want := range map[string]time.Duration{"3d": 72 * time.Hour, "36h": 36 * time.Hour} {
		env := validEnv()
		env["RENEWAL_GRACE"] = value
		c, err := load(env)
		require.NoError(t, err)
		require.Equal(t, want, c.RenewalGrace, value)
	}
}

func TestLoadTakesASocketDatabaseURL(t *testing.T) {
	env := validEnv()
	env["DATABASE_URL"] = "postgres://postgres@/backstop?host=%2Fvar%2Flib%2Fbackstop%2Fdev-1%2Fpg&port=5432"
	c, err := load(env)
	require.NoError(t, err)
	require.Equal(t, env["DATABASE_URL"], c.DatabaseURL)
}

// TestLoadNamesEachBadVariable sets one variable wrong at a time and checks
// that the error names exactly that variable and says why.
func TestLoadNamesEachBadVariable(t *testing.T) {
	cases := []struct {
		name, value, why string
	}{
		{"DATABASE_URL", "", "is required"},
		{"DATABASE_URL", "mysql://x/y", "scheme postgres"},
		{"DATABASE_URL", "not a url", "must be a URL"},
		{"DATABASE_URL", "postgres:///backstop?host=localhost", "must be a URL"},
		{"STRIPE_SECRET_KEY", "", "is required"},
		{"STRIPE_SECRET_KEY", "pk_test_123", "must start with sk_test_"},
		{"STRIPE_WEBHOOK_SECRET", "secret", "must start with whsec_"},
		{"STRIPE_API_BASE", "ftp://sim", "scheme http"},
		{"STRIPE_RATE_LIMIT", "fast", "positive number"},
		{"STRIPE_RATE_LIMIT", "0", "positive number"},
		{"BASE_URL", "", "is required"},
		{"BASE_URL", "shop.example.com", "must be a URL"},
		{"SMTP_URL", "http://mail:25", "scheme smtp"},
		{"MAIL_FROM", "nobody", "must be an email address"},
		{"SUPPORT_EMAIL", "", "is required"},
		{"ALERT_EMAIL", "ops@", "must be an email address"},
		{"RECON_EVENTS_INTERVAL", "soon", "positive duration"},
		{"RECON_SWEEP_INTERVAL", "-1h", "positive duration"},
		{"RECON_LOOKBACK", "3d", "positive duration"},
		{"RECON_GRACE", "0s", "positive duration"},
		{"RENEWAL_GRACE", "-2d", "positive duration"},
		{"RENEWAL_GRACE", "soon", "positive duration"},
		{"BACKSTOP_FAULTS", "fulfill.never", "unknown fault point"},
	}
	for _, tc := range cases {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			env := validEnv()
			env[tc.name] = tc.value
			_, err := load(env)
			require.Error(t, err)
			lines := strings.Split(err.Error(), "\n")
			require.Len(t, lines, 1, "one line per bad variable: %q", err)
			require.True(t, strings.HasPrefix(lines[0], tc.name+" "), "names the variable: %q", lines[0])
			require.Contains(t, lines[0], tc.why)
		})
	}
}

func TestLoadReportsEveryBadVariable(t *testing.T) {
	_, err := load(map[string]string{})
	require.Error(t, err)
	for _, name := range []string{"DATABASE_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "BASE_URL", "SUPPORT_EMAIL"} {
		require.Contains(t, err.Error(), name)
	}
}

func TestLoadFaults(t *testing.T) {
	env := validEnv()
	env["BACKSTOP_FAULTS"] = "webhook.after_verify"
	c, err := load(env)
	require.NoError(t, err)
	require.Equal(t, []string{"webhook.after_verify"}, c.Faults.Armed())
}

func TestLoadTrustedProxies(t *testing.T) {
	env := validEnv()
	env["TRUSTED_PROXIES"] = " 127.0.0.1, 10.0.0.0/8,::1 "
	c, err := load(env)
	require.NoError(t, err)
	require.Equal(t, []string{"127.0.0.1", "10.0.0.0/8", "::1"}, c.TrustedProxies)

	env["TRUSTED_PROXIES"] = "127.0.0.1,proxy.internal"
	_, err = load(env)
	require.ErrorContains(t, err, `TRUSTED_PROXIES must list IP addresses or CIDR ranges, like 127.0.0.1,10.0.0.0/8; got "proxy.internal"`)
}
