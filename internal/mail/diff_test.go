package mail

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDiffLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, a, b string
		want       string // the lines, each with its op
	}{
		{"same", "a\nb", "a\nb", " a| b"},
		{"one line changed", "a\nb\nc", "a\nB\nc", " a|-b|+B| c"},
		{"added at the end", "a", "a\nb", " a|+b"},
		{"removed at the start", "a\nb", "b", "-a| b"},
		{"moved", "a\nb\nc", "b\nc\na", "-a| b| c|+a"},
		{"from nothing", "", "x", "-|+x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, l := range diffLines(tt.a, tt.b) {
				got = append(got, string(l.Op)+l.Text)
			}
			assert.Equal(t, tt.want, strings.Join(got, "|"))
		})
	}
}

// Two long parts with nothing in common are shown deleted and inserted
// whole, not diffed through a table of a billion cells.
func TestDiffOfHugePartsStaysBounded(t *testing.T) {
	var a, b strings.Builder
	for i := range 2000 {
		a.WriteString("a" + strconv.Itoa(i) + "\n")
		b.WriteString("b" + strconv.Itoa(i) + "\n")
	}
	lines := diffLines(a.String(), b.String())
	assert.Equal(t, 4001, len(lines), "2000 deleted, 2000 inserted, the common empty last line")
	assert.Equal(t, DiffDelete, lines[0].Op)
	assert.Equal(t, DiffInsert, lines[2000].Op)
	allocs := testing.AllocsPerRun(1, func() { diffLines(a.String(), b.String()) })
	assert.Less(t, allocs, 10.0, "no table of 2000 rows was made")
}

func TestUnifiedNamesOnlyChangedParts(t *testing.T) {
	t.Parallel()
	d := Diff(Content{Subject: "s", HTML: "h", Text: "t"}, Content{Subject: "s", HTML: "H", Text: "t"})
	assert.Equal(t, "--- html body\n-h\n+H\n", Unified(d))
	assert.Empty(t, Unified(Diff(Content{Subject: "s"}, Content{Subject: "s"})))
}
