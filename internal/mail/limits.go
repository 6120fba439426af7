package mail

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"
)

// The caps every template and every render keeps, whoever wrote the
// template and whatever the data.
const (
	MaxPartBytes    = 64 << 10               // the source of one part
	MaxBodyBytes    = 256 << 10              // a rendered body
	MaxSubjectBytes = 1000                   // a rendered subject, before folding
	MaxRenderTime   = 100 * time.Millisecond // one Render, all three parts
	maxFuncResult   = 64 << 10               // what print, printf or println may return
)

// The errors a render stops with when it exceeds a cap; errors.Is finds
// them under the part and line that Render adds.
var (
	ErrRenderTime   = errors.New("took longer than " + MaxRenderTime.String() + " to render")
	ErrRenderOutput = errors.New("renders too much text")
)

// limits are the caps of one render; tests shrink them.
type limits struct {
	maxTime    time.Duration
	maxBody    int
	maxSubject int
}

func defaultLimits() limits {
	return limits{maxTime: MaxRenderTime, maxBody: MaxBodyBytes, maxSubject: MaxSubjectBytes}
}

// budget is one render's stop switch. A timer throws it when the render's
// time is up; the writer and the print functions look at it on every call
// and fail once it is thrown, which text/template turns into the end of
// Execute. The checks in check.go guarantee that a template cannot go long
// without writing or calling one of them, so the render stops within a
// moment of its cap and no goroutine is left running a template.
type budget struct {
	stopped atomic.Pointer[error]
}

// startBudget returns a budget that stops after d, and the function that
// releases its timer.
func startBudget(d time.Duration) (*budget, func() bool) {
	b := &budget{}
	t := time.AfterFunc(d, func() { b.stop(ErrRenderTime) })
	return b, t.Stop
}

func (b *budget) stop(err error) { b.stopped.CompareAndSwap(nil, &err) }

func (b *budget) err() error {
	if p := b.stopped.Load(); p != nil {
		return *p
	}
	return nil
}

// cappedWriter collects a part's output up to max bytes. It fails, and so
// ends the render, when the output would pass max or the budget is spent.
type cappedWriter struct {
	buf strings.Builder
	max int
	b   *budget
}

func (w *cappedWriter) Write(p []byte) (int, error) {
	if err := w.b.err(); err != nil {
		return 0, err
	}
	if w.buf.Len()+len(p) > w.max {
		w.b.stop(ErrRenderOutput)
		return 0, ErrRenderOutput
	}
	return w.buf.Write(p)
}

var _ io.Writer = (*cappedWriter)(nil)

// funcs are the capped replacements of the print builtins for one render.
// A variable can hold what they return without writing it, so without a
// cap {{$b := printf "%s%s" $a $a}} repeated would double its way to any
// size; each call also checks the budget.
func (b *budget) funcs() map[string]any {
	return cappedFuncs(func() *budget { return b })
}

// cappedFuncs are the capped print functions checking the budget that
// current returns at each call: a compiled template kept for many renders
// is given each render's budget in turn (see templateCache).
func cappedFuncs(current func() *budget) map[string]any {
	capped := func(name string, f func(...any) string) func(...any) (string, error) {
		return func(args ...any) (string, error) {
			if err := current().err(); err != nil {
				return "", err
			}
			s := f(args...)
			if len(s) > maxFuncResult {
				return "", fmt.Errorf("%s made more than %d KiB", name, maxFuncResult>>10)
			}
			return s, nil
		}
	}
	return map[string]any{
		"print":   capped("print", fmt.Sprint),
		"println": capped("println", fmt.Sprintln),
		"printf": func(format string, args ...any) (string, error) {
			return capped("printf", func(a ...any) string { return fmt.Sprintf(format, a...) })(args...)
		},
	}
}
