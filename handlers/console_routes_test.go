package handlers

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConsoleRouteInventory walks every route the app registers under
// /console and proves each one is an entry of the console's route table
// and refuses whom it must: without a session (a redirect to sign-in for a
// page, 401/403 for the rest), without the CSRF token when it changes
// something (neither form field nor header), and a support login when it
// is for admins. A console route added outside the table, or one the check
// does not guard, fails here.
func TestConsoleRouteInventory(t *testing.T) {
	t.Parallel()
	b := newConsoleClient(t)
	checkConsoleRoutes(t, b, consoleRoutes(staffConsole{}))
}

// TestConsoleRouteInventoryCoversAdminRoutes runs the same walk with an
// admin-only page and post mounted the way the table's are, so the admin
// check is proven to bite on routes the table does not list too.
func TestConsoleRouteInventoryCoversAdminRoutes(t *testing.T) {
	t.Parallel()
	b := newConsoleClient(t)
	probe := consoleRoute{method: fiber.MethodPost, path: "/admin-probe", access: adminRole,
		handle: func(c *fiber.Ctx) error { return c.SendString("admin only") }}
	page := consoleRoute{method: fiber.MethodGet, path: "/admin-page", access: adminRole,
		handle: func(c *fiber.Ctx) error { return c.SendString("admin only") }}
	mountConsole(b.ta.app.Group("/console"), newConsole(b.staff, b.core, b.actions, "http://127.0.0.1:8080"), []consoleRoute{probe, page})
	checkConsoleRoutes(t, b, append(consoleRoutes(staffConsole{}), probe, page))
}

// TestConsoleRoutesAreForWhomDesignSays: the inventory proves each route
// refuses whom its entry says; this proves the entries say what DESIGN
// section 9 does: only sign-in is open to anyone, and a mismatch's actions
// are support's work (an admin may do them too).
func TestConsoleRoutesAreForWhomDesignSays(t *testing.T) {
	t.Parallel()
	actions, staffRoutes := 0, 0
	for _, rt := range consoleRoutes(staffConsole{}) {
		if rt.access == anyone {
			assert.Equal(t, "/login", rt.path, "%s %s is open to anyone", rt.method, rt.path)
		}
		if rt.path == "/staff" || strings.HasPrefix(rt.path, "/staff/") {
			staffRoutes++
			assert.Equal(t, adminRole, rt.access, "%s %s is the staff page: admins only", rt.method, rt.path)
		}
		if rt.method == fiber.MethodPost && strings.HasPrefix(rt.path, "/mismatches/") {
			actions++
			assert.Equal(t, supportRole, rt.access, "%s %s is support's", rt.method, rt.path)
		}
	}
	assert.Equal(t, 6, actions, "verify & provision, refund, link account, dismiss, claim, note")
	assert.Equal(t, 5, staffRoutes, "the staff page, add, change role, disable, reset password")
}

// TestMountConsoleRefusesARouteWithoutAccess: forgetting to say who may use
// a route is a startup panic, not a public page.
func TestMountConsoleRefusesARouteWithoutAccess(t *testing.T) {
	t.Parallel()
	app := fiber.New()
	assert.PanicsWithValue(t, "console route GET /x: no access given", func() {
		mountConsole(app.Group("/console"), staffConsole{}, []consoleRoute{{method: fiber.MethodGet, path: "/x"}})
	})
}

var routeParam = regexp.MustCompile(`:[a-zA-Z]+(<[^>]*>)?`)

func checkConsoleRoutes(t *testing.T, b *consoleClient, table []consoleRoute) {
	t.Helper()
	entry := func(method, path string) (consoleRoute, bool) {
		if method == fiber.MethodHead {
			method = fiber.MethodGet
		}
		for _, rt := range table {
			if rt.method == method && "/console"+rt.path == path {
				return rt, true
			}
		}
		return consoleRoute{}, false
	}
	seen := map[string]bool{}
	for _, r := range b.ta.app.GetRoutes(true) {
		if r.Path != "/console" && !strings.HasPrefix(r.Path, "/console/") {
			continue
		}
		rt, ok := entry(r.Method, r.Path)
		require.True(t, ok, "%s %s is registered outside the console's route table (routes.go): it has no access check", r.Method, r.Path)
		seen[rt.method+" "+rt.path] = true
		target := routeParam.ReplaceAllString(r.Path, "1")
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			checkConsoleRoute(t, b, r.Method, target, rt)
		})
	}
	for _, rt := range table {
		assert.True(t, seen[rt.method+" "+rt.path], "table entry %s %s is not registered", rt.method, rt.path)
	}
	require.GreaterOrEqual(t, len(seen), 7, "the walk found the console")
}

func checkConsoleRoute(t *testing.T, b *consoleClient, method, target string, rt consoleRoute) {
	changes := method != fiber.MethodGet && method != fiber.MethodHead

	// Without a session, carrying a good CSRF token (form and header).
	anon := newConsoleClientOn(b)
	anon.get(t, "/console/login")
	res := anon.request(t, method, target, anon.token, anon.token)
	switch {
	case rt.access == anyone:
	case !changes:
		assert.Equal(t, http.StatusSeeOther, res.status, "without a session")
		assert.Equal(t, "/console/login", res.header.Get("Location"), "a page sends you to sign in")
	default:
		assert.Contains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, res.status, "without a session")
	}

	if changes {
		admin := newConsoleClientOn(b)
		admin.signIn(t, ana.Email, anaPassword)
		for name, tok := range map[string][2]string{
			"no token":               {"", ""},
			"another token in field": {strings.Repeat("A", 43), ""},
			"another token, header":  {"", strings.Repeat("A", 43)},
		} {
			res := admin.request(t, method, target, tok[0], tok[1])
			assert.Equal(t, http.StatusForbidden, res.status, "%s: a change without the CSRF token", name)
		}
	}

	support := newConsoleClientOn(b)
	support.signIn(t, bo.Email, anaPassword)
	support.get(t, "/console/") // the token rotated at sign-in: read the new one
	res = support.request(t, method, target, support.token, support.token)
	if rt.access == adminRole {
		assert.Equal(t, http.StatusForbidden, res.status, "a support login on an admin route")
	} else {
		assert.NotContains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, res.status, "support may use it: %s", res.body)
		if !changes {
			assert.NotEqual(t, "/console/login", res.header.Get("Location"), "support is not sent to sign in")
		}
	}
}

// newConsoleClientOn is another browser on the same app (its own cookies).
func newConsoleClientOn(b *consoleClient) *consoleClient {
	return &consoleClient{ta: b.ta, staff: b.staff, core: b.core, actions: b.actions, templates: b.templates, cookies: map[string]*http.Cookie{}}
}

// request sends method to target with field as the form's csrf_token and
// header as X-CSRF-Token ("" leaves either out).
func (b *consoleClient) request(t *testing.T, method, target, field, header string) response {
	t.Helper()
	form := url.Values{}
	if field != "" {
		form.Set(csrfField, field)
	}
	req := httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if header != "" {
		req.Header.Set(csrfHeader, header)
	}
	r, _ := b.send(t, req)
	return r
}
