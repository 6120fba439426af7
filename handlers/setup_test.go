package handlers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/backstophq/backstop/internal/billing"
)

// proYearly is the plan the demo seeds (DESIGN.md section 4).
var proYearly = billing.Plan{Code: "pro-yearly", Name: "Pro", Amount: 24900, Currency: "usd", Interval: "year", Active: true}

type fakePlans struct {
	plans []billing.Plan
	err   error
}

func (f *fakePlans) Plans(ctx context.Context, activeOnly bool) ([]billing.Plan, error) {
	return f.plans, f.err
}

// fakeRecorder keeps every error report in memory; err makes it fail.
type fakeRecorder struct {
	mu      sync.Mutex
	reports []ErrorReport
	err     error
}

func (f *fakeRecorder) RecordError(ctx context.Context, r ErrorReport) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.reports = append(f.reports, r)
	return nil
}

func (f *fakeRecorder) all() []ErrorReport {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ErrorReport(nil), f.reports...)
}

type fakeReady struct{ err error }

func (f fakeReady) Ready(ctx context.Context) error { return f.err }

// testApp is the real app built on in-memory fakes.
type testApp struct {
	app     *fiber.App
	plans   *fakePlans
	errors  *fakeRecorder
	metrics *prometheus.Registry
}

func setup(t *testing.T, opts ...func(*Deps)) *testApp {
	t.Helper()
	ta := &testApp{
		plans:   &fakePlans{plans: []billing.Plan{proYearly}},
		errors:  &fakeRecorder{},
		metrics: prometheus.NewRegistry(),
	}
	d := Deps{
		Plans:        ta.plans,
		Errors:       ta.errors,
		Ready:        fakeReady{},
		Metrics:      ta.metrics,
		SupportEmail: "help@acme.test",
		BaseURL:      "http://127.0.0.1:8080",
	}
	for _, o := range opts {
		o(&d)
	}
	ta.app = New(d)
	return ta
}

// response is a finished request: status, headers and body.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends req through the app; headers are name/value pairs.
func (ta *testApp) do(t *testing.T, method, target string, headers ...string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := ta.app.Test(req, -1)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (ta *testApp) get(t *testing.T, target string, headers ...string) response {
	t.Helper()
	return ta.do(t, http.MethodGet, target, headers...)
}

// htmx headers as htmx 2 sends them.
var (
	hxRequest = []string{"HX-Request", "true"}
	hxBoosted = []string{"HX-Request", "true", "HX-Boosted", "true"}
	hxRestore = []string{"HX-Request", "true", "HX-History-Restore-Request", "true"}
)

// doc parses body as HTML (a full page or a fragment).
func doc(t *testing.T, body string) *html.Node {
	t.Helper()
	n, err := html.Parse(strings.NewReader(body))
	require.NoError(t, err)
	return n
}

// byTestID returns every element with data-testid=id, in document order.
func byTestID(n *html.Node, id string) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && attr(n, "data-testid") == id {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

// one returns the single element with data-testid=id, failing otherwise.
func one(t *testing.T, n *html.Node, id string) *html.Node {
	t.Helper()
	found := byTestID(n, id)
	require.Len(t, found, 1, "elements with data-testid=%q", id)
	return found[0]
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, name string) bool {
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}

// text is the element's text content with whitespace collapsed.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

var errSecret = errors.New("pq: connection to db-7.internal:5432 refused (password=hunter2)")

// elements returns every element whose tag is one of tags.
func elements(n *html.Node, tags ...string) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, tag := range tags {
				if n.Data == tag {
					out = append(out, n)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}
