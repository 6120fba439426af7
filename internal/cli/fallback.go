package cli

import (
	"context"
	"fmt"

	"github.com/backstophq/backstop/views"
	"github.com/backstophq/backstop/web"
)

// cmdFallbackPage prints the static error page a reverse proxy serves while
// the app is down (nginx: error_page 502 503 504 /backstop-down.html). It is
// the error page without a reference, with the CSS inlined, and it reloads
// itself so the customer is back on the app as soon as it answers.
func cmdFallbackPage(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "fallback-page", "fallback-page [--support-email ADDR] > fallback.html")
	def := e.getenv("SUPPORT_EMAIL")
	if def == "" {
		def = "support@example.com"
	}
	support := fs.String("support-email", def, "the address customers can write to; $SUPPORT_EMAIL when set")
	refresh := fs.Int("refresh", 15, "seconds between the page's quiet reloads")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("fallback-page: unexpected argument %q", fs.Arg(0))
	}
	v := views.FallbackView{SupportEmail: *support, CSS: web.CSS(), RefreshSeconds: *refresh}
	return views.FallbackPage(v).Render(ctx, e.stdout)
}
