package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/e2e"
	"github.com/backstophq/backstop/internal/fault"
	"github.com/backstophq/backstop/internal/invariant"
)

// Random kills: the soak's knobs, from the environment so that `make soak`
// can set them (N, SEED) and a failure can be replayed with its seed.
const (
	envSoakRounds = "BACKSTOP_SOAK_ROUNDS"
	envSoakSeed   = "BACKSTOP_SOAK_SEED"
	// soakDefaultRounds is what `make test` runs.
	soakDefaultRounds = 3
	// customersPerRound check out and pay at once in every round.
	customersPerRound = 50
	// arriveWithin spreads the customers' first clicks over the start of a
	// round, and killWithin bounds the moment of its SIGKILL, so that the
	// kill lands anywhere in checkouts, payments, returns, webhooks, emails.
	arriveWithin = 1500 * time.Millisecond
	killWithin   = 2500 * time.Millisecond
	// repairWithin bounds the wait for repair after the last round: River
	// rescues a job whose process died only after 25 s, on a 30 s tick.
	repairWithin = 150 * time.Second
)

// TestRandomKills: rounds of 50 customers checking out and paying at once,
// while `backstop serve` is killed with SIGKILL at a random moment (and,
// in some rounds, also armed with a random named fault point) and started
// again. After the last round the world is left to repair itself (webhook
// redelivery, catch-up every second, one `backstop reconcile`), then the
// invariant checker must find nothing. The seed is printed; set
// BACKSTOP_SOAK_SEED to replay the same kill moments and choices.
func TestRandomKills(t *testing.T) {
	t.Parallel()
	rounds, seed := soakSettings(t)
	t.Logf("random kills: %d rounds of %d customers, seed %d (replay: %s=%d)", rounds, customersPerRound, seed, envSoakSeed, seed)
	s := newSoak(t, seed)
	start := time.Now()
	for n := range rounds {
		s.round(n)
	}
	t.Logf("%d rounds in %s: %s", rounds, time.Since(start).Round(time.Second), s.tally.String())
	vs := s.repair()
	t.Logf("repaired in %s", time.Since(start).Round(time.Second))
	if len(vs) == 0 {
		// The final state: with the app stopped gracefully, a job still
		// "running" can only be one a killed process left.
		stopGracefully(t, s.app)
		vs = s.w.check()
	}
	for _, v := range vs {
		t.Error(v.String())
	}
	if t.Failed() {
		t.Logf("replay with %s=%d %s=%d", envSoakSeed, seed, envSoakRounds, rounds)
	}
}

func soakSettings(t *testing.T) (rounds int, seed uint64) {
	rounds, seed = soakDefaultRounds, uint64(time.Now().UnixNano())
	if v := os.Getenv(envSoakRounds); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, envSoakRounds)
		rounds = n
	}
	if v := os.Getenv(envSoakSeed); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		require.NoError(t, err, envSoakSeed)
		seed = n
	}
	return rounds, seed
}

// soak is one run of random kills over one world.
type soak struct {
	t      *testing.T
	w      *world
	rng    *rand.Rand
	logDir string
	app    *e2e.Proc
	tally  tally
}

// tally counts what the customers and the killer did, for the log.
type tally struct {
	kills, faultDeaths, paid, gaveUp, returned, retries atomic.Int64
}

func (c *tally) String() string {
	return fmt.Sprintf("%d random kills, %d deaths at named points, %d payments, %d customers gave up before paying, %d return visits, %d checkout retries",
		c.kills.Load(), c.faultDeaths.Load(), c.paid.Load(), c.gaveUp.Load(), c.returned.Load(), c.retries.Load())
}

func newSoak(t *testing.T, seed uint64) *soak {
	w := newWorldWith(t, worldOptions{memorySim: true})
	// Catch-up every second; a processor budget the simulator can take, so
	// rounds are bound by the kills rather than by 20 requests a second.
	w.extraEnv = []string{"RECON_EVENTS_INTERVAL=1s", "STRIPE_RATE_LIMIT=400"}
	dir, err := os.MkdirTemp("", "backstop-soak-")
	require.NoError(t, err)
	t.Cleanup(func() {
		if !t.Failed() {
			os.RemoveAll(dir)
		}
	})
	s := &soak{t: t, w: w, rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), logDir: dir}
	s.restart("")
	return s
}

// soakFaults are the named points a round may arm besides its random kill.
var soakFaults = []string{
	fault.CheckoutAfterOrderInsert, fault.CheckoutAfterSessionCreate, fault.ReturnAfterVerify,
	fault.WebhookAfterVerify, fault.FulfillBeforeCommit, fault.FulfillAfterCommit, fault.EmailAfterSend,
	fault.SweepMidPage,
}

// round runs customersPerRound customers at once and kills the app once at
// a random moment; an app that dies at its named point is started again at
// once. The round ends when every customer is done and the kill happened.
func (s *soak) round(n int) {
	killAt := time.Duration(s.rng.Int64N(int64(killWithin)))
	armed := ""
	if s.rng.IntN(4) == 0 {
		armed = soakFaults[s.rng.IntN(len(soakFaults))]
		s.kill()
		s.restart(armed)
	}
	seeds := make([]uint64, customersPerRound)
	for i := range seeds {
		seeds[i] = s.rng.Uint64()
	}
	var wg sync.WaitGroup
	for i, seed := range seeds {
		wg.Add(1)
		arrive := time.Duration(s.rng.Int64N(int64(arriveWithin)))
		go func() {
			defer wg.Done()
			time.Sleep(arrive)
			s.shopper().customer(fmt.Sprintf("r%d-c%d-%s@example.test", n, i, randHex(3)), rand.New(rand.NewPCG(seed, 1)))
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	kill := time.After(killAt)
	for kill != nil || done != nil {
		select {
		case <-kill:
			kill = nil
			s.kill()
			s.tally.kills.Add(1)
			s.restart("")
		case <-s.app.Exited():
			s.tally.faultDeaths.Add(1)
			s.restart("")
		case <-done:
			done = nil
		}
	}
	s.t.Logf("round %d: killed at %s, armed %q; so far %s", n, killAt.Round(time.Millisecond), armed, s.tally.String())
}

func (s *soak) shopper() shopper { return shopper{t: s.t, w: s.w, tally: &s.tally} }

// kill sends SIGKILL to the app and waits for it to be gone.
func (s *soak) kill() {
	_ = s.app.Signal(os.Kill)
	<-s.app.Exited()
}

// restart starts `backstop serve` with faults armed and waits until it
// answers; one that dies first (at its named point) is started again
// without faults.
func (s *soak) restart(faults string) {
	s.t.Helper()
	for {
		s.app = e2e.StartLogged(s.t, filepath.Join(s.logDir, "serve.log"), s.w.bin, []string{"serve"}, s.w.env(faults))
		if s.up(20 * time.Second) {
			return
		}
		select {
		case <-s.app.Exited():
			s.tally.faultDeaths.Add(1)
			faults = ""
		default:
			s.t.Fatalf("backstop serve did not answer /healthz within 20s; logs in %s", s.logDir)
		}
	}
}

func (s *soak) up(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		select {
		case <-s.app.Exited():
			return false
		default:
		}
		if resp, err := quick.Get(s.w.appURL("/healthz")); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return true
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	return false
}

// repair lets the world heal after the last round (webhooks redelivered,
// one reconcile) and returns what the checker still finds at the deadline,
// if anything.
func (s *soak) repair() []invariant.Violation {
	select {
	case <-s.app.Exited():
		s.restart("")
	default:
	}
	s.w.retryWebhooks()
	s.reconcile()
	return s.w.untilClean(repairWithin)
}

// stopGracefully sends SIGTERM and waits for the process to finish its
// requests and jobs and exit.
func stopGracefully(t *testing.T, p *e2e.Proc) {
	t.Helper()
	require.NoError(t, p.Signal(syscall.SIGTERM))
	ws, err := p.WaitExit(30 * time.Second)
	require.NoError(t, err, "not stopped within 30s")
	require.Zero(t, ws.ExitStatus(), p.Output())
}

// check runs the invariant checker once.
func (w *world) check() []invariant.Violation {
	vs, err := invariant.Check(context.Background(), w.sources())
	require.NoError(w.t, err)
	return vs
}

func (w *world) sources() invariant.Sources {
	return invariant.Sources{
		DB:        w.db,
		Processor: invariant.Processor{BaseURL: w.simURL(""), APIKey: w.apiKey},
		Mailbox:   &invariant.Mailpit{API: w.mail.API},
	}
}

// untilClean runs the invariant checker every 2 s (asking the simulator to
// redeliver pending webhooks in between) until it finds nothing or d
// passes, logging its findings by rule as they change, and returns what it
// found last. With the app running, a job may be running for real; the
// final check comes after stopGracefully.
func (w *world) untilClean(d time.Duration) []invariant.Violation {
	t := w.t
	start := time.Now()
	last := ""
	for {
		vs := w.check()
		if summary := byRule(vs); summary != last {
			t.Logf("invariants, after %s: %d violations %s", time.Since(start).Round(time.Second), len(vs), summary)
			last = summary
		}
		if len(vs) == 0 || time.Since(start) > d {
			return vs
		}
		time.Sleep(2 * time.Second)
		w.retryWebhooks()
	}
}

// byRule counts violations by rule, for the repair's progress lines.
func byRule(vs []invariant.Violation) string {
	n := map[string]int{}
	for _, v := range vs {
		n[v.Rule]++
	}
	return fmt.Sprint(n)
}

// reconcile runs one `backstop reconcile` with no grace period, trying
// again while the app's own sweep holds the lock.
func (s *soak) reconcile() {
	env := append(s.w.env(""), "RECON_GRACE=1ms")
	for range 30 {
		p := e2e.StartLogged(s.t, filepath.Join(s.logDir, "reconcile.log"), s.w.bin, []string{"reconcile"}, env)
		ws, err := p.WaitExit(5 * time.Minute)
		require.NoError(s.t, err)
		if ws.ExitStatus() == 0 {
			return
		}
		time.Sleep(time.Second)
	}
	s.t.Fatalf("backstop reconcile kept failing; logs in %s", s.logDir)
}
