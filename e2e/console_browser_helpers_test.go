package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

func (w *world) signIn(email, password string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Navigate(w.appURL("/console/login")),
		chromedp.WaitVisible(`input[name="email"]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="email"]`, email, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="password"]`, password, chromedp.ByQuery),
		chromedp.Click(`[data-testid="console-submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="console-signed-in"]`, chromedp.ByQuery),
	}
}

// open loads a mismatch's page by its address.
func (w *world) open(id int64) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Navigate(w.appURL(fmt.Sprintf("/console/mismatches/%d", id))),
		chromedp.WaitVisible(`[data-testid="mismatch-actions"]`, chromedp.ByQuery),
		htmxReady(`#mismatch-actions form`),
	}
}

// press clicks the button sel once it is enabled: htmx disables a form's
// button while its request runs (hx-disabled-elt) and enables it again a
// moment after the answer is swapped in, and a click on a disabled button
// does nothing.
func press(sel string) chromedp.Action {
	return chromedp.Tasks{chromedp.WaitEnabled(sel, chromedp.ByQuery), chromedp.Click(sel, chromedp.ByQuery)}
}

// htmxReady waits until htmx has taken over the form or link sel, as it
// does a moment after content is swapped in: a click before that is a
// plain post or navigation (which works, but a test evaluating script on
// the page then loses it).
func htmxReady(sel string) chromedp.Action {
	q, _ := json.Marshal(sel)
	return chromedp.Poll(fmt.Sprintf(`(() => { const f = document.querySelector(%s); return !!f && f["htmx-internal-data"] !== undefined; })()`, q),
		nil, chromedp.WithPollingTimeout(10*time.Second))
}

// waitText waits until the element with data-testid id is shown and its
// text contains want, then reads the text into out (when not nil).
func waitText(id, want string, out *string) chromedp.Action {
	sel, _ := json.Marshal(`[data-testid="` + id + `"]`)
	text, _ := json.Marshal(want)
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%s); return !!e && !e.hidden && e.textContent.includes(%s); })()`, sel, text)
	tasks := chromedp.Tasks{chromedp.Poll(js, nil, chromedp.WithPollingTimeout(15*time.Second))}
	if out != nil {
		tasks = append(tasks, chromedp.Text(`[data-testid="`+id+`"]`, out, chromedp.ByQuery))
	}
	return tasks
}

// statuses are the HTTP statuses a window received, by path, in order.
type statuses struct {
	mu sync.Mutex
	by map[string][]int64
}

// watch records the statuses of the responses ctx's window receives.
func watch(t *testing.T, ctx context.Context) *statuses {
	t.Helper()
	s := &statuses{by: map[string][]int64{}}
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*network.EventResponseReceived); ok {
			if u, err := url.Parse(e.Response.URL); err == nil {
				s.mu.Lock()
				s.by[u.Path] = append(s.by[u.Path], e.Response.Status)
				s.mu.Unlock()
			}
		}
	})
	require.NoError(t, chromedp.Run(ctx, network.Enable()))
	return s
}

// last is the status of the last response to path, 0 if none.
func (s *statuses) last(path string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.by[path]; len(v) > 0 {
		return v[len(v)-1]
	}
	return 0
}

// dialogs are the questions a window's page asked (confirm), each
// answered yes.
type dialogs struct {
	mu   sync.Mutex
	msgs []string
}

func acceptDialogs(ctx context.Context) *dialogs {
	d := &dialogs{}
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			d.mu.Lock()
			d.msgs = append(d.msgs, e.Message)
			d.mu.Unlock()
			// The page waits for the answer: give it from outside this
			// event callback, which must not block.
			go func() { _ = chromedp.Run(ctx, page.HandleJavaScriptDialog(true)) }()
		}
	})
	return d
}

func (d *dialogs) all() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.msgs...)
}
