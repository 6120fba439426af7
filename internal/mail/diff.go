package mail

import "strings"

// DiffOp is what a line of a diff does.
type DiffOp byte

const (
	DiffSame   DiffOp = ' '
	DiffDelete DiffOp = '-'
	DiffInsert DiffOp = '+'
)

// DiffLine is one line of a diff.
type DiffLine struct {
	Op   DiffOp
	Text string
}

// PartDiff is the line diff of one part.
type PartDiff struct {
	Part  string // PartSubject, PartHTML or PartText
	Lines []DiffLine
}

// Changed reports whether the part differs.
func (d PartDiff) Changed() bool {
	for _, l := range d.Lines {
		if l.Op != DiffSame {
			return true
		}
	}
	return false
}

// maxDiffCells bounds the table of the line diff: past it (two parts of
// thousands of lines that share nothing), the middle is shown as deleted
// and inserted whole, which is true if not minimal.
const maxDiffCells = 1 << 20

// Diff compares each part of from and to line by line.
func Diff(from, to Content) []PartDiff {
	return []PartDiff{
		{PartSubject, diffLines(from.Subject, to.Subject)},
		{PartHTML, diffLines(from.HTML, to.HTML)},
		{PartText, diffLines(from.Text, to.Text)},
	}
}

// Unified writes diffs as one text, a header per changed part and every
// line of it marked, for the audit log. It is "" when nothing changed.
func Unified(diffs []PartDiff) string {
	var b strings.Builder
	for _, d := range diffs {
		if !d.Changed() {
			continue
		}
		b.WriteString("--- " + partLabel(d.Part) + "\n")
		for _, l := range d.Lines {
			b.WriteByte(byte(l.Op))
			b.WriteString(l.Text)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// diffLines is a longest-common-subsequence diff of the lines of a and b,
// after their common first and last lines are set aside.
func diffLines(a, b string) []DiffLine {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	pre := 0
	for pre < len(x) && pre < len(y) && x[pre] == y[pre] {
		pre++
	}
	suf := 0
	for suf < len(x)-pre && suf < len(y)-pre && x[len(x)-1-suf] == y[len(y)-1-suf] {
		suf++
	}
	out := make([]DiffLine, 0, len(x)+len(y))
	for _, l := range x[:pre] {
		out = append(out, DiffLine{DiffSame, l})
	}
	out = append(out, lcsDiff(x[pre:len(x)-suf], y[pre:len(y)-suf])...)
	for _, l := range x[len(x)-suf:] {
		out = append(out, DiffLine{DiffSame, l})
	}
	return out
}

func lcsDiff(x, y []string) []DiffLine {
	if len(x)*len(y) > maxDiffCells {
		out := make([]DiffLine, 0, len(x)+len(y))
		for _, l := range x {
			out = append(out, DiffLine{DiffDelete, l})
		}
		for _, l := range y {
			out = append(out, DiffLine{DiffInsert, l})
		}
		return out
	}
	// lcs[i][j] is the length of the longest common subsequence of x[i:]
	// and y[j:].
	lcs := make([][]int32, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []DiffLine
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		switch {
		case x[i] == y[j]:
			out = append(out, DiffLine{DiffSame, x[i]})
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, DiffLine{DiffDelete, x[i]})
			i++
		default:
			out = append(out, DiffLine{DiffInsert, y[j]})
			j++
		}
	}
	for ; i < len(x); i++ {
		out = append(out, DiffLine{DiffDelete, x[i]})
	}
	for ; j < len(y); j++ {
		out = append(out, DiffLine{DiffInsert, y[j]})
	}
	return out
}
