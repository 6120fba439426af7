package stripeapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/health"
	stripe "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
)

// Config configures a Client. Zero values take the defaults noted per field.
type Config struct {
	// SecretKey is the Stripe secret key (sk_test_…, sk_live_… or a
	// restricted rk_… key). Required.
	SecretKey string
	// APIBase is the API's base URL: empty means Stripe's real API; else for
	// example the simulator "http://127.0.0.1:12111" or stripe-mock.
	APIBase string
	// Timeout bounds each HTTP request, including the wait for the rate
	// limiter. Default 15s.
	Timeout time.Duration
	// MaxRetries is how many times stripe-go retries a request that failed
	// on the network, with a 409, or with a retryable 5xx. Default 2;
	// negative disables retries.
	MaxRetries int
	// RatePerSec is the steady request rate of the client's token bucket.
	// Default 20 for test-mode keys (Stripe allows 25/s) and 80 for live
	// keys (Stripe allows 100/s).
	RatePerSec float64
	// Burst is the bucket's capacity. Default RatePerSec/4 (at least 1), so
	// that burst plus one second of refill stays within Stripe's limit.
	Burst int
	// Health, if set, records how the processor answered each request (see
	// NewHealth), for /readyz and the processor alert.
	Health *health.Calls
}

const (
	defaultTimeout    = 15 * time.Second
	defaultMaxRetries = 2
	testModeRate      = 20
	liveModeRate      = 80
)

// Client is the Stripe adapter; it implements billing.Processor and is safe
// for concurrent use.
type Client struct {
	api  *client.API
	rate float64
}

var _ billing.Processor = (*Client)(nil)

// New returns a Client for cfg. It sends no request; a bad key shows up on
// the first call. It returns an apperr.Invalid error when the key is missing.
func New(cfg Config) (*Client, error) {
	return newClient(cfg, realClock{})
}

// newClient is New with the clock of the rate limiter injected, for tests.
func newClient(cfg Config, clk clock) (*Client, error) {
	if strings.TrimSpace(cfg.SecretKey) == "" {
		return nil, apperr.New(apperr.Invalid, "stripeapi: a secret key is required")
	}
	cfg = withDefaults(cfg)
	next := baseTransport()
	if cfg.Health != nil {
		next = &healthTransport{next: next, calls: cfg.Health}
	}
	transport := &limitedTransport{
		next:   next,
		bucket: newBucket(cfg.RatePerSec, cfg.Burst, clk),
	}
	retries := int64(max(cfg.MaxRetries, 0))
	bc := &stripe.BackendConfig{
		HTTPClient:        &http.Client{Timeout: cfg.Timeout, Transport: transport},
		MaxNetworkRetries: stripe.Int64(retries),
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
		EnableTelemetry:   stripe.Bool(false),
	}
	if cfg.APIBase != "" {
		bc.URL = stripe.String(cfg.APIBase)
	}
	// GetBackendWithConfig fills in and keeps the config it is given, so
	// every backend gets its own copy.
	backend := func(t stripe.SupportedBackend) stripe.Backend {
		c := *bc
		return stripe.GetBackendWithConfig(t, &c)
	}
	backends := &stripe.Backends{
		API:     backend(stripe.APIBackend),
		Connect: backend(stripe.ConnectBackend),
		Uploads: backend(stripe.UploadsBackend),
	}
	return &Client{api: client.New(cfg.SecretKey, backends), rate: cfg.RatePerSec}, nil
}

// RatePerSec is the client's rate budget: requests a second, the default
// for its key's mode unless configured.
func (c *Client) RatePerSec() float64 { return c.rate }

// baseTransport is a private copy of the default transport, so that the
// client's connection pool is its own.
func baseTransport() http.RoundTripper {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		return t.Clone()
	}
	return http.DefaultTransport
}

func withDefaults(cfg Config) Config {
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultTimeout
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = defaultMaxRetries
	}
	if cfg.RatePerSec <= 0 {
		cfg.RatePerSec = liveModeRate
		if isTestKey(cfg.SecretKey) {
			cfg.RatePerSec = testModeRate
		}
	}
	if cfg.Burst <= 0 {
		cfg.Burst = max(1, int(cfg.RatePerSec/4))
	}
	return cfg
}

func isTestKey(key string) bool {
	return strings.HasPrefix(key, "sk_test_") || strings.HasPrefix(key, "rk_test_")
}
