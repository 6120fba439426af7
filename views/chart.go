package views

import (
	"fmt"
	"strconv"

	"github.com/backstophq/backstop/internal/store"
)

// The chart's drawing area, in SVG user units; the SVG scales to its box.
const (
	chartWidth  = 720
	chartHeight = 200
	chartLeft   = 36 // room for the scale's numbers
	chartBottom = 22 // room for the dates
	chartTop    = 8
)

// chart is the payments-vs-fulfilled chart laid out: two bars per day,
// scaled to the busiest day, each with the words a <title> gives it.
type chart struct {
	Bars       []bar
	Labels     []axisLabel
	Max        int
	Paid, Done int // totals over the days
	Days       int
	Unserved   int // days where fewer orders were served than paid
}

type bar struct {
	X, Y, W, H int
	Class      string // paid | fulfilled
	Title      string
}

type axisLabel struct {
	X    int
	Text string
}

func newChart(days []store.OrderDay) chart {
	c := chart{Days: len(days), Max: 1}
	for _, d := range days {
		c.Max = max(c.Max, d.Paid, d.Fulfilled)
		c.Paid += d.Paid
		c.Done += d.Fulfilled
		if d.Fulfilled < d.Paid {
			c.Unserved++
		}
	}
	if len(days) == 0 {
		return c
	}
	plot := chartHeight - chartTop - chartBottom
	slot := (chartWidth - chartLeft) / len(days)
	w := max(1, slot*2/5)
	for i, d := range days {
		x := chartLeft + i*slot + (slot-2*w)/2
		day := d.Day.UTC().Format("2 Jan")
		for j, n := range []int{d.Paid, d.Fulfilled} {
			h := n * plot / c.Max
			if n > 0 && h == 0 {
				h = 1 // a day with any orders shows a sliver
			}
			b := bar{X: x + j*w, Y: chartTop + plot - h, W: w, H: h, Class: "paid",
				Title: fmt.Sprintf("%s: %s paid", day, countWords(n, "order", "orders"))}
			if j == 1 {
				b.Class, b.Title = "fulfilled", fmt.Sprintf("%s: %s served", day, countWords(n, "order", "orders"))
			}
			c.Bars = append(c.Bars, b)
		}
		if i == 0 || i == len(days)-1 || i == len(days)/2 {
			c.Labels = append(c.Labels, axisLabel{X: chartLeft + i*slot + slot/2, Text: day})
		}
	}
	return c
}

func (c chart) viewBox() string  { return fmt.Sprintf("0 0 %d %d", chartWidth, chartHeight) }
func (c chart) baseline() string { return strconv.Itoa(chartHeight - chartBottom) }
func itoa(n int) string          { return strconv.Itoa(n) }
