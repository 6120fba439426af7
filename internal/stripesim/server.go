package stripesim

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Options configures a Server. Only APIKey is required.
type Options struct {
	// APIKey is the secret key clients must present, as Bearer or Basic
	// auth, e.g. "sk_test_backstop".
	APIKey string
	// WebhookURL receives every event; empty means no deliveries at all.
	WebhookURL string
	// WebhookSecret (whsec_…) signs deliveries as Stripe does.
	WebhookSecret string
	// StatePath, when set, is a JSON file holding every object, event,
	// pending delivery and idempotency record. It is rewritten atomically
	// after each change and loaded by New.
	StatePath string
	// PublicURL is the base of session.url; the hosted page lives at
	// PublicURL+"/pay/{session}". Empty means the request's own host.
	PublicURL string
	// Logger gets one line per delivery problem and state-file problem;
	// nil discards.
	Logger *slog.Logger
	// Now is the clock for created timestamps; nil means time.Now. Webhook
	// scheduling and signatures always use the wall clock, because the
	// receiver checks signature age against its own.
	Now func() time.Time
	// AllowedHosts, when set, are the only Host names (any port) answered;
	// every other Host gets 421. `backstop dev`, and `backstop sim` on a
	// loopback address, set this machine's names (loopback.Hosts), so a web
	// page that rebinds its own name to 127.0.0.1 cannot drive the simulator.
	AllowedHosts []string
	// WebhookRetryBase is the first retry delay of a failed delivery,
	// doubled per attempt up to 30s; zero means 1s. Tests shorten it.
	WebhookRetryBase time.Duration
}

// Server is a stateful, Stripe-compatible API for demos and tests. All
// state sits behind one mutex: the simulator favours obviously-correct
// serialisation over throughput.
type Server struct {
	opts    Options
	log     *slog.Logger
	client  *http.Client
	handler http.Handler

	mu       sync.Mutex
	st       *state
	dirty    bool
	faults   faults
	apiCalls int64
	byRoute  map[string]int64
}

// New builds a Server, loading StatePath when the file exists. It fails
// when APIKey is empty or the state file cannot be read.
func New(opts Options) (*Server, error) {
	if opts.APIKey == "" {
		return nil, errors.New("stripesim: Options.APIKey is required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.WebhookRetryBase <= 0 {
		opts.WebhookRetryBase = time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		opts: opts, log: log, st: newState(), byRoute: map[string]int64{},
		client: &http.Client{Timeout: 10 * time.Second},
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// Handler serves the whole surface: the Stripe API under /v1, the hosted
// payment page under /pay, and the control API under /_sim.
func (s *Server) Handler() http.Handler { return s.handler }

// Start runs the webhook delivery loop (and session expiry) until ctx ends.
// Without Start, events are still recorded and listable, and
// POST /_sim/webhooks/retry still delivers on demand.
func (s *Server) Start(ctx context.Context) {
	go s.loop(ctx)
}

// Close writes the state to StatePath one last time.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.save()
}

// now is the simulated clock for created timestamps.
func (s *Server) now() time.Time { return s.opts.Now().Add(s.st.ClockOffset) }

// locked runs fn under the state lock and saves the state afterwards if fn
// changed it, so every change reaches StatePath before the answer does.
func (s *Server) locked(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn()
	s.saveIfDirty()
}

func (s *Server) saveIfDirty() {
	if !s.dirty {
		return
	}
	if err := s.save(); err != nil {
		s.log.Error("stripesim: saving state", "path", s.opts.StatePath, "err", err)
		return
	}
	s.dirty = false
}
