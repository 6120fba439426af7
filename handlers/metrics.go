package handlers

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// unmatchedRoute labels requests no route matched, so scanners probing
// random paths cannot blow up the metrics' cardinality.
const unmatchedRoute = "unmatched"

// routeKey is where the metrics middleware leaves the route label in
// c.Locals, so logs and metrics name a request the same way.
const routeKey = "backstop.route"

// httpMetrics counts requests and times them by route pattern, never by
// raw path.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg *prometheus.Registry) *httpMetrics {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "backstop_http_requests_total",
		Help: "HTTP requests served, by method, route pattern and status.",
	}, []string{"method", "route", "status"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "backstop_http_request_duration_seconds",
		Help:    "Time to serve an HTTP request, by method and route pattern.",
		Buckets: prometheus.DefBuckets,
	}, []string{"method", "route"})
	return &httpMetrics{
		requests: register(reg, requests),
		duration: register(reg, duration),
	}
}

// register registers c, or returns the collector already registered under
// the same name, so two apps built on one registry (tests) share it.
func register[C prometheus.Collector](reg *prometheus.Registry, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err)
	}
	return c
}

// middleware observes every request after the ErrorHandler has run, so the
// status it records is the one the client got. It therefore calls the
// ErrorHandler itself and returns nil.
func (m *httpMetrics) middleware(eh *errorHandler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		self := c.Route()
		err := c.Next()
		route := c.Route().Path
		if c.Route() == self {
			// Still on the middleware's own route: nothing matched.
			route = unmatchedRoute
		}
		c.Locals(routeKey, route) // for the ErrorHandler's log line
		if err != nil {
			if herr := eh.handle(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		m.requests.WithLabelValues(c.Method(), route, strconv.Itoa(c.Response().StatusCode())).Inc()
		m.duration.WithLabelValues(c.Method(), route).Observe(time.Since(start).Seconds())
		return nil
	}
}
