package recon

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/backstophq/backstop/internal/billing"
)

// Metrics are reconciliation's Prometheus series. A nil *Metrics records
// nothing, for commands and tests that do not serve /metrics.
type Metrics struct {
	runs           *prometheus.CounterVec
	lastSuccess    *prometheus.GaugeVec
	duration       *prometheus.HistogramVec
	healed         prometheus.Counter
	apiCalls       *prometheus.CounterVec
	objects        *prometheus.CounterVec
	openMismatches *prometheus.GaugeVec
	alerting       *prometheus.GaugeVec
}

// NewMetrics registers the series on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "backstop_recon_runs_total", Help: "Reconciliation runs by kind (sweep, events) and outcome (ok, error, busy).",
		}, []string{"kind", "outcome"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "backstop_recon_last_success_timestamp_seconds", Help: "When the last run of a kind completed without error.",
		}, []string{"kind"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "backstop_recon_run_duration_seconds", Help: "How long reconciliation runs take.",
			Buckets: prometheus.ExponentialBuckets(0.05, 3, 10),
		}, []string{"kind"}),
		healed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "backstop_recon_healed_total", Help: "Payments and orders the sweep repaired without a person.",
		}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "backstop_recon_api_calls_total", Help: "Processor API calls made by reconciliation runs.",
		}, []string{"kind"}),
		objects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "backstop_recon_objects_total", Help: "Processor objects reconciliation runs listed.",
		}, []string{"kind"}),
		openMismatches: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "backstop_mismatches_open", Help: "Open mismatches waiting for a person, by kind.",
		}, []string{"kind"}),
		alerting: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "backstop_recon_alert", Help: "1 while the reconciliation alert of a kind of run is raised.",
		}, []string{"kind"}),
	}
	reg.MustRegister(m.runs, m.lastSuccess, m.duration, m.healed, m.apiCalls, m.objects, m.openMismatches, m.alerting)
	return m
}

// RunCounts are what one run did, for ObserveRun.
type RunCounts struct {
	APICalls, Objects, Healed int
}

// ObserveRun records one finished run; outcome is ok, error or busy.
func (m *Metrics) ObserveRun(kind, outcome string, took time.Duration, c RunCounts) {
	if m == nil {
		return
	}
	m.runs.WithLabelValues(kind, outcome).Inc()
	if outcome == "busy" {
		return
	}
	m.duration.WithLabelValues(kind).Observe(took.Seconds())
	m.healed.Add(float64(c.Healed))
	m.apiCalls.WithLabelValues(kind).Add(float64(c.APICalls))
	m.objects.WithLabelValues(kind).Add(float64(c.Objects))
	if outcome == "ok" {
		m.lastSuccess.WithLabelValues(kind).SetToCurrentTime()
	}
}

// SetOpenMismatches replaces the open-mismatch gauges with counts by kind.
func (m *Metrics) SetOpenMismatches(byKind map[string]int) {
	if m == nil {
		return
	}
	m.openMismatches.Reset()
	for _, k := range billing.Kinds {
		m.openMismatches.WithLabelValues(k).Set(float64(byKind[k]))
	}
}

func (m *Metrics) setHealth(kind string, lastSuccess *time.Time, alerting bool) {
	if m == nil {
		return
	}
	if lastSuccess != nil {
		m.lastSuccess.WithLabelValues(kind).Set(float64(lastSuccess.Unix()))
	}
	v := 0.0
	if alerting {
		v = 1
	}
	m.alerting.WithLabelValues(kind).Set(v)
}
