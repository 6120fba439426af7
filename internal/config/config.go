// Package config reads Backstop's configuration from the environment into one
// struct, validated at startup, so a bad deployment fails on its first second
// with a line that names the variable instead of at the first payment. The
// Config is passed explicitly; there is no global.
package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/backstophq/backstop/internal/fault"
)

// Config is everything `backstop serve` and `backstop worker` need.
type Config struct {
	DatabaseURL         string
	StripeSecretKey     string
	StripeWebhookSecret string
	// StripeAPIBase is empty for Stripe itself, or the simulator's URL.
	StripeAPIBase string
	// StripeRateLimit is the processor's rate budget in requests per
	// second, shared by every call this process makes; 0 means the
	// adapter's default (20/s for test keys, 80/s for live ones).
	StripeRateLimit float64
	BaseURL         string
	ListenAddr      string
	// SMTPURL is empty when emails go to the dev mailbox.
	SMTPURL      string
	MailFrom     string
	SupportEmail string
	// AlertEmail is empty when alerts are only logged and shown.
	AlertEmail string
	// TrustedProxies are the reverse proxies (IPs or CIDRs) whose
	// X-Real-IP names the client; empty means the connection's address is
	// the client's. The customers' and sign-in limits count per client.
	TrustedProxies []string

	ReconEventsInterval time.Duration
	ReconSweepInterval  time.Duration
	ReconLookback       time.Duration
	ReconGrace          time.Duration
	// RenewalGrace is how long a subscription whose renewal failed keeps
	// its access after the paid period ends (RENEWAL_GRACE, default 7d).
	RenewalGrace time.Duration

	Faults *fault.Points

	// DevMailbox serves the kept emails at /dev/mailbox. Only `backstop
	// dev` sets it; it never comes from the environment, so serve never
	// shows customers' emails on an open page.
	DevMailbox bool
	// AllowedHosts, when set, are the only Host names the web app answers
	// (handlers.Deps.AllowedHosts). Only `backstop dev` sets it, to this
	// machine's names; serve answers whatever its proxy sends.
	AllowedHosts []string
}

// Load reads and validates the configuration. The error lists every bad
// variable, one line each, naming it and saying why.
func Load(getenv func(string) string) (Config, error) {
	r := reader{getenv: getenv}
	c := Config{
		DatabaseURL:         r.url("DATABASE_URL", true, "postgres", "postgresql"),
		StripeSecretKey:     r.prefixed("STRIPE_SECRET_KEY", "sk_test_", "sk_live_", "rk_test_", "rk_live_"),
		StripeWebhookSecret: r.prefixed("STRIPE_WEBHOOK_SECRET", "whsec_"),
		StripeAPIBase:       r.url("STRIPE_API_BASE", false, "http", "https"),
		StripeRateLimit:     r.rate("STRIPE_RATE_LIMIT"),
		BaseURL:             strings.TrimRight(r.url("BASE_URL", true, "http", "https"), "/"),
		ListenAddr:          r.str("LISTEN_ADDR", ":8080"),
		SMTPURL:             r.url("SMTP_URL", false, "smtp", "smtps"),
		SupportEmail:        r.email("SUPPORT_EMAIL", true),
		AlertEmail:          r.email("ALERT_EMAIL", false),
		ReconEventsInterval: r.duration("RECON_EVENTS_INTERVAL", 30*time.Second),
		ReconSweepInterval:  r.duration("RECON_SWEEP_INTERVAL", time.Hour),
		ReconLookback:       r.duration("RECON_LOOKBACK", 72*time.Hour),
		ReconGrace:          r.duration("RECON_GRACE", 2*time.Minute),
		RenewalGrace:        r.days("RENEWAL_GRACE", 7*24*time.Hour),
		TrustedProxies:      r.addrs("TRUSTED_PROXIES"),
	}
	c.MailFrom = r.email("MAIL_FROM", false)
	if c.MailFrom == "" {
		c.MailFrom = c.SupportEmail
	}
	faults, err := fault.Parse(getenv("BACKSTOP_FAULTS"))
	if err != nil {
		r.fail("BACKSTOP_FAULTS", err.Error())
	}
	c.Faults = faults
	return c, errors.Join(r.errs...)
}

type reader struct {
	getenv func(string) string
	errs   []error
}

func (r *reader) fail(name, why string) {
	r.errs = append(r.errs, fmt.Errorf("%s %s", name, why))
}

func (r *reader) str(name, def string) string {
	if v := strings.TrimSpace(r.getenv(name)); v != "" {
		return v
	}
	return def
}

func (r *reader) required(name string) (string, bool) {
	v := strings.TrimSpace(r.getenv(name))
	if v == "" {
		r.fail(name, "is required but not set")
		return "", false
	}
	return v, true
}

func (r *reader) url(name string, required bool, schemes ...string) string {
	v := strings.TrimSpace(r.getenv(name))
	if v == "" {
		if required {
			r.fail(name, "is required but not set")
		}
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Host == "" && !socketURL(u)) {
		r.fail(name, fmt.Sprintf("must be a URL like %s://host, got something unparseable", schemes[0]))
		return ""
	}
	for _, s := range schemes {
		if u.Scheme == s {
			return v
		}
	}
	r.fail(name, fmt.Sprintf("must use the scheme %s, not %q", strings.Join(schemes, " or "), u.Scheme))
	return ""
}

// socketURL reports whether u is a PostgreSQL URL for a Unix socket, with
// the socket's directory as the host parameter, as libpq and lib/pq accept:
// postgres://user@/db?host=/run/postgresql. `backstop dev` hands out such
// URLs, since its server listens on no TCP port.
func socketURL(u *url.URL) bool {
	return (u.Scheme == "postgres" || u.Scheme == "postgresql") && strings.HasPrefix(u.Query().Get("host"), "/")
}

func (r *reader) prefixed(name string, prefixes ...string) string {
	v, ok := r.required(name)
	if !ok {
		return ""
	}
	for _, p := range prefixes {
		if strings.HasPrefix(v, p) && len(v) > len(p) {
			return v
		}
	}
	r.fail(name, fmt.Sprintf("must start with %s", strings.Join(prefixes, " or ")))
	return ""
}

func (r *reader) email(name string, required bool) string {
	v := strings.TrimSpace(r.getenv(name))
	if v == "" {
		if required {
			r.fail(name, "is required but not set")
		}
		return ""
	}
	if _, err := mail.ParseAddress(v); err != nil {
		r.fail(name, fmt.Sprintf("must be an email address, got %q", v))
		return ""
	}
	return v
}

// addrs reads a comma-separated list of IP addresses and CIDR ranges.
func (r *reader) addrs(name string) []string {
	var out []string
	for _, v := range strings.Split(r.getenv(name), ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		if _, _, err := net.ParseCIDR(v); err != nil && net.ParseIP(v) == nil {
			r.fail(name, fmt.Sprintf("must list IP addresses or CIDR ranges, like 127.0.0.1,10.0.0.0/8; got %q", v))
			continue
		}
		out = append(out, v)
	}
	return out
}

// rate reads a positive number of requests per second; unset is 0.
func (r *reader) rate(name string) float64 {
	v := strings.TrimSpace(r.getenv(name))
	if v == "" {
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) {
		r.fail(name, fmt.Sprintf("must be a positive number of requests per second like 20, got %q", v))
		return 0
	}
	return f
}

func (r *reader) duration(name string, def time.Duration) time.Duration {
	v := strings.TrimSpace(r.getenv(name))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.fail(name, fmt.Sprintf("must be a positive duration like 30s or 2m, got %q", v))
		return def
	}
	return d
}

// days is duration that also takes whole days ("7d"), as RENEWAL_GRACE
// reads best in days.
func (r *reader) days(name string, def time.Duration) time.Duration {
	v := strings.TrimSpace(r.getenv(name))
	n, err := strconv.Atoi(strings.TrimSuffix(v, "d"))
	if strings.HasSuffix(v, "d") && err == nil && n > 0 {
		return time.Duration(n) * 24 * time.Hour
	}
	if strings.HasSuffix(v, "d") {
		r.fail(name, fmt.Sprintf("must be a positive duration like 7d or 72h, got %q", v))
		return def
	}
	return r.duration(name, def)
}
