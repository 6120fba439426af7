// Package fault implements Backstop's named crash points. They exist so that
// demos and end-to-end tests can kill the process at the worst moments of a
// money path (after the order insert, after the processor call, before and
// after the fulfilment commit, …) and prove that recovery needs no human.
//
// BACKSTOP_FAULTS is read once at start into a *Points. A reached point that
// is named there sends SIGKILL to the process itself: no deferred function,
// no rollback and no graceful shutdown runs, exactly like an OOM kill or a
// power cut. A nil *Points, the value when the variable is unset, costs one
// nil check per point.
package fault

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"syscall"
)

// The named points, as DESIGN section 5 lists them.
const (
	CheckoutAfterOrderInsert   = "checkout.after_order_insert"
	CheckoutAfterSessionCreate = "checkout.after_session_create"
	ReturnAfterVerify          = "return.after_verify"
	WebhookAfterVerify         = "webhook.after_verify"
	FulfillBeforeCommit        = "fulfill.before_commit"
	FulfillAfterCommit         = "fulfill.after_commit"
	EmailAfterSend             = "email.after_send"
	SweepMidPage               = "sweep.mid_page"
)

// Known lists every point, so a typo in BACKSTOP_FAULTS is refused at start.
var Known = []string{
	CheckoutAfterOrderInsert, CheckoutAfterSessionCreate, ReturnAfterVerify, WebhookAfterVerify,
	FulfillBeforeCommit, FulfillAfterCommit, EmailAfterSend, SweepMidPage,
}

// Points is the set of armed crash points of this process.
type Points struct {
	armed map[string]bool
	kill  func()
}

// Parse reads a comma-separated list of point names. An empty spec gives nil,
// which disarms every point. An unknown name is an error that names it.
func Parse(spec string) (*Points, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, nil
	}
	p := &Points{armed: map[string]bool{}, kill: killSelf}
	for _, name := range strings.Split(spec, ",") {
		name = strings.TrimSpace(name)
		if !isKnown(name) {
			known := append([]string(nil), Known...)
			sort.Strings(known)
			return nil, fmt.Errorf("unknown fault point %q (known: %s)", name, strings.Join(known, ", "))
		}
		p.armed[name] = true
	}
	return p, nil
}

// Hit kills the process if the point is armed. The kill is immediate.
func (p *Points) Hit(name string) {
	if p == nil || !p.armed[name] {
		return
	}
	fmt.Fprintf(os.Stderr, "backstop: fault point %s reached: killing the process\n", name)
	p.kill()
}

// Armed lists the armed points, sorted.
func (p *Points) Armed() []string {
	if p == nil {
		return nil
	}
	out := make([]string, 0, len(p.armed))
	for name := range p.armed {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

func isKnown(name string) bool {
	for _, k := range Known {
		if k == name {
			return true
		}
	}
	return false
}

func killSelf() {
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // SIGKILL is delivered asynchronously; never run past the point.
}
