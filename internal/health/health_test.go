package health

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCallsTroubleNeedsHalfTheWindowAndRecoveryARunOfGoodCalls(t *testing.T) {
	c := &Calls{Slow: time.Second}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for range callsToTrouble - 1 {
		c.Record(at, 0, "500 Internal Server Error")
	}
	if p := c.Problem(); p != "" {
		t.Fatalf("in trouble after %d bad calls: %s", callsToTrouble-1, p)
	}
	c.Record(at, 2*time.Second, "") // slow counts as bad
	p := c.Problem()
	if !strings.Contains(p, "answered after 2s") || !strings.Contains(p, "5 bad answers") {
		t.Fatalf("problem = %q", p)
	}
	for range callsToRecover - 1 {
		c.Record(at, 0, "")
	}
	c.Record(at, 0, "timeout") // the run of good calls starts again
	for range callsToRecover - 1 {
		c.Record(at, 0, "")
	}
	if c.Problem() == "" {
		t.Fatal("recovered before a whole run of good calls")
	}
	c.Record(at, 0, "")
	if p := c.Problem(); p != "" {
		t.Fatalf("still in trouble after %d good calls: %s", callsToRecover, p)
	}
}

func TestOutagesAreKeptUntilReported(t *testing.T) {
	var o Outages
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	o.Record(t0, nil)
	o.Record(t0.Add(time.Second), errors.New("connection refused"))
	o.Record(t0.Add(2*time.Second), errors.New("the database system is starting up"))
	if _, ok := o.Oldest(); ok {
		t.Fatal("an outage still going on is reported as over")
	}
	o.Record(t0.Add(3*time.Second), nil)
	got, ok := o.Oldest()
	if !ok || !got.From.Equal(t0.Add(time.Second)) || !got.To.Equal(t0.Add(3*time.Second)) || got.Err != "the database system is starting up" {
		t.Fatalf("outage = %+v, %v", got, ok)
	}
	o.Reported(Outage{}) // another outage than the oldest: nothing forgotten
	if _, ok := o.Oldest(); !ok {
		t.Fatal("forgot an outage that was not reported")
	}
	o.Reported(got)
	if _, ok := o.Oldest(); ok {
		t.Fatal("an outage reported is still pending")
	}
}
