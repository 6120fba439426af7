package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"syscall"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/config"
)

func cmdServe(ctx context.Context, e *env, args []string) error {
	return serveFromEnv(ctx, e, args, "serve", true)
}

func cmdWorker(ctx context.Context, e *env, args []string) error {
	return serveFromEnv(ctx, e, args, "worker", false)
}

// serveFromEnv runs web and workers (serve) or workers only (worker) with the
// configuration from the environment, until ctx ends (SIGINT or SIGTERM).
func serveFromEnv(ctx context.Context, e *env, args []string, name string, web bool) error {
	fs := newFlags(e, name, name+"\n\nConfigured from the environment; see the README's table of variables.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	logger := slog.New(slog.NewJSONHandler(e.stderr, nil))
	st, err := openStack(ctx, cfg, logger, true)
	if err != nil {
		return err
	}
	defer st.close()
	listen := ""
	if web {
		listen = cfg.ListenAddr
	}
	return st.run(ctx, listen)
}

// run serves HTTP on listen (none when empty) and works jobs until ctx ends,
// then shuts down gracefully: in-flight requests finish, River stops after
// its running jobs.
func (s *stack) run(ctx context.Context, listen string) error {
	var app *fiber.App
	errc := make(chan error, 1)
	if listen != "" {
		ln, err := listenTCP(listen)
		if err != nil {
			return err
		}
		app = s.webApp()
		go func() { errc <- app.Listener(ln) }()
		s.logger.Info("listening", "addr", ln.Addr().String())
	}
	if err := s.jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	go s.dbOutages.Watch(ctx, dbPingInterval, s.store.DB().PingContext)
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	s.logger.Info("shutting down")
	if app != nil {
		if err := app.ShutdownWithTimeout(shutdownGrace); err != nil {
			s.logger.Error("web shutdown", "err", err)
		}
	}
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := s.jobs.Stop(stopCtx); err != nil {
		s.logger.Error("jobs shutdown", "err", err)
	}
	return runErr
}

// listenTCP listens on addr and says plainly when the port is taken.
func listenTCP(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("address %s is already in use: stop the other process or choose another address", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}
