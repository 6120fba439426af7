package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/backstophq/backstop/internal/loopback"
	"github.com/backstophq/backstop/internal/stripesim"
)

// cmdSim runs the Stripe simulator alone until ctx ends (SIGINT/SIGTERM),
// then shuts the server down and flushes its state file.
func cmdSim(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "sim", "sim [--addr 127.0.0.1:12111] [--api-key sk_test_…] [--webhook-url URL] [--webhook-secret whsec_…] [--state FILE]")
	addr := fs.String("addr", "127.0.0.1:12111", "address to listen on")
	apiKey := fs.String("api-key", "sk_test_backstop", "secret key clients must send")
	hookURL := fs.String("webhook-url", "", "where events are POSTed (empty: no deliveries)")
	hookSecret := fs.String("webhook-secret", "whsec_backstop_dev", "webhook signing secret")
	statePath := fs.String("state", "", "JSON file that keeps the simulator's state across restarts")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	opts := stripesim.Options{
		APIKey: *apiKey, WebhookURL: *hookURL, WebhookSecret: *hookSecret, StatePath: *statePath,
		PublicURL: "http://" + ln.Addr().String(),
		Logger:    slog.New(slog.NewTextHandler(e.stderr, nil)),
	}
	// On this machine only (the default), only this machine's names are
	// answered: DNS rebinding. On a shared network, e.g. --addr :12111 in a
	// container, other hosts' names are the point.
	if loopback.IsAddr(*addr) {
		opts.AllowedHosts = loopback.Hosts(*addr)
	}
	sim, err := stripesim.New(opts)
	if err != nil {
		ln.Close()
		return err
	}
	return serveSim(ctx, e, ln, sim)
}

func serveSim(ctx context.Context, e *env, ln net.Listener, sim *stripesim.Server) error {
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	sim.Start(ctx)
	fmt.Fprintf(e.stdout, "stripe simulator listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var serveErr error
	select {
	case serveErr = <-errc:
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		// A browser keeps preconnected sockets that never send a request,
		// and Shutdown waits for them: past the grace period, close them
		// rather than make Ctrl-C fail with "context deadline exceeded".
		srv.Close()
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	return errors.Join(serveErr, sim.Close())
}
