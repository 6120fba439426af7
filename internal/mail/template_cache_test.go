package mail

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The cache renders what Render renders and refuses what it refuses, the
// first time a part is seen and every time after: the hostile templates
// are held to the same rules when the compiled part comes from the cache.
func TestTemplateCacheKeepsRenderRules(t *testing.T) {
	t.Parallel()
	tc := newTemplateCache()
	base, _ := Default(OrderConfirmation)
	for _, h := range hostileTemplates() {
		c := base
		switch h.part {
		case PartSubject:
			c.Subject = h.src
		case PartHTML:
			c.HTML = h.src
		case PartText:
			c.Text = h.src
		}
		for _, sc := range SampleCases() {
			want, wantErr := Render(c, sc.Data)
			for round := range 2 {
				got, err := tc.render(c, sc.Data)
				if wantErr != nil {
					require.Error(t, err, "%s, %s, round %d", h.name, sc.Key, round)
					if hitTimeCap(wantErr) || hitTimeCap(err) {
						// Which cap stops a hostile render first, time or
						// output, depends on how busy the machine is.
						continue
					}
					// The order of problems from two trees follows a map.
					assert.ElementsMatch(t, Problems(wantErr), Problems(err), h.name)
					continue
				}
				require.NoError(t, err, "%s, %s, round %d", h.name, sc.Key, round)
				assert.Equal(t, want, got, h.name)
			}
		}
	}
}

// hitTimeCap says whether a render was stopped by its time cap.
func hitTimeCap(err error) bool {
	for _, p := range Problems(err) {
		if p.Msg == ErrRenderTime.Error() {
			return true
		}
	}
	return errors.Is(err, ErrRenderTime)
}

// A compiled part kept in the cache checks the budget of the render that
// holds it: a render past its time cap is stopped however many renders
// the part ran before, and the stopped render's budget does not follow
// the part into the next render.
func TestTemplateCacheBindsEachRendersBudget(t *testing.T) {
	t.Parallel()
	tc := newTemplateCache()
	c := Content{Subject: "s", HTML: "<p>h</p>", Text: "{{range .Orders}}" + strings.Repeat("{{.PublicRef}} ", 50) + "{{$x := print .PublicRef}}\n{{end}}done"}
	small := SampleData()
	small.Orders = small.Orders[:1]
	big := SampleData()
	big.Orders = make([]OrderLine, 20_000)
	for i := range big.Orders {
		big.Orders[i] = OrderLine{PublicRef: "BK-7Q2M-XK4P"}
	}
	short := limits{maxTime: 10 * time.Millisecond, maxBody: 1 << 30, maxSubject: MaxSubjectBytes}
	for round := range 3 {
		out, problems := renderWith(c, small, defaultLimits(), nil, tc.compile)
		require.Empty(t, problems, "round %d", round)
		assert.True(t, strings.HasSuffix(out.Text, "done"), "round %d", round)

		_, problems = renderWith(c, big, short, nil, tc.compile)
		assert.Contains(t, problems, Problem{Part: PartText, Msg: ErrRenderTime.Error()}, "round %d", round)
	}
}

// Renders at once of one cached part each see their own data and budget.
func TestTemplateCacheConcurrentRenders(t *testing.T) {
	t.Parallel()
	tc := newTemplateCache()
	// What is shared here is the compiled copies, not the clock: with the
	// whole suite running on two cores a render has taken more than the
	// 100 ms cap (TestTemplateCacheBindsEachRendersBudget tests the cap).
	tc.limits.maxTime = time.Minute
	c, _ := Default(OrderConfirmation)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				d := SampleData()
				d.Email = fmt.Sprintf("c%d-%d@example.com", i, j)
				out, err := tc.render(c, d)
				if assert.NoError(t, err) {
					assert.Contains(t, out.Text, d.Email)
				}
			}
		}()
	}
	wg.Wait()
	assert.Len(t, tc.parts, 3, "one entry a part, compiled once")
}

// A new version is a new source, so a new entry; the cache never holds
// more than maxCachedParts.
func TestTemplateCacheIsBounded(t *testing.T) {
	t.Parallel()
	tc := newTemplateCache()
	c, _ := Default(OrderConfirmation)
	for v := range maxCachedParts {
		c.Subject = fmt.Sprintf("Version %d: {{.PlanName}}", v)
		out, err := tc.render(c, SampleData())
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(out.Subject, fmt.Sprintf("Version %d:", v)), "the new version's words, not a cached one's")
	}
	assert.LessOrEqual(t, len(tc.parts), maxCachedParts)
}
