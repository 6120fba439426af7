package cli

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/backstophq/backstop/internal/staff"
)

// consolePassword is every test login's password.
const consolePassword = "a long enough password"

// staffBrowser is one browser signed in to the test stack's console: its
// cookies, and the CSRF token of the last page it loaded.
type staffBrowser struct {
	s       *testStack
	cookies map[string]string
	token   string
}

var csrfInPage = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// staffBrowser adds a login with role and signs it in.
func (s *testStack) staffBrowser(t *testing.T, email string, role staff.Role) *staffBrowser {
	t.Helper()
	_, err := s.staff.Add(context.Background(), email, role, consolePassword)
	require.NoError(t, err)
	b := &staffBrowser{s: s, cookies: map[string]string{}}
	b.get(t, "/console/login")
	res := b.post(t, "/console/login", url.Values{"email": {email}, "password": {consolePassword}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	b.get(t, "/console/") // the token rotated at sign-in
	return b
}

type page struct {
	status int
	header http.Header
	body   string
	doc    *html.Node
}

func (b *staffBrowser) do(t *testing.T, req *http.Request) page {
	t.Helper()
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	res, err := b.s.app.Test(req, -1)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	for _, c := range res.Cookies() {
		if c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	if m := csrfInPage.FindStringSubmatch(string(body)); m != nil {
		b.token = m[1]
	}
	n, err := html.Parse(strings.NewReader(string(body)))
	require.NoError(t, err)
	return page{status: res.StatusCode, header: res.Header, body: string(body), doc: n}
}

// get loads target; headers are name/value pairs (e.g. HX-Request).
func (b *staffBrowser) get(t *testing.T, target string, headers ...string) page {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(t, req)
}

func (b *staffBrowser) post(t *testing.T, target string, form url.Values) page {
	t.Helper()
	if form.Get("csrf_token") == "" {
		form.Set("csrf_token", b.token)
	}
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(t, req)
}

// all returns the elements with data-testid=id, in document order.
func (p page) all(id string) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && attrOf(n, "data-testid") == id {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(p.doc)
	return out
}

// one returns the text of the single element with data-testid=id.
func (p page) one(t *testing.T, id string) string {
	t.Helper()
	found := p.all(id)
	require.Len(t, found, 1, "elements with data-testid=%q in:\n%s", id, p.body)
	return textOf(found[0])
}

// facts reads the dt/dd pairs inside the element with data-testid=id; a
// name seen twice keeps its first value.
func (p page) facts(t *testing.T, id string) map[string]string {
	t.Helper()
	found := p.all(id)
	require.Len(t, found, 1, "elements with data-testid=%q", id)
	out := map[string]string{}
	var name string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "dt" {
			name = textOf(n)
		}
		if n.Type == html.ElementNode && n.Data == "dd" {
			if _, seen := out[name]; !seen {
				out[name] = textOf(n)
			}
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(found[0])
	return out
}

func attrOf(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func textOf(n *html.Node) string {
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
