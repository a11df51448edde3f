// Package chart draws the reports' charts as inline SVG on the server:
// no chart library, no CDN, nothing for the browser to run. Every chart
// comes from plain Go values, escapes every label it prints, and carries
// <title> and <desc> so a screen reader announces what it shows; a chart
// with no data says so instead of drawing empty axes.
package chart

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Series is one named row of values, one per category or point.
type Series struct {
	Name   string
	Values []float64
	// Hrefs, when set, make each value a link (one per value; "" for none):
	// the drill-down from a bar or cell to the conversations behind it.
	Hrefs []string
}

// Bar is a grouped bar chart: for each category, one bar per series.
type Bar struct {
	Title, Desc string
	Categories  []string
	Series      []Series
	Width       int // default 640
	Height      int // default 260
}

// Line is a time series (or any ordered x axis) drawn as lines, filled
// below when Area is set.
type Line struct {
	Title, Desc string
	Labels      []string // x labels, one per point
	Series      []Series
	Area        bool
	Width       int
	Height      int
}

// Heatmap is a weekday × hour grid (busiest hours): Cells[d][h], d=0 is
// Days[0]. Days defaults to Monday…Sunday.
type Heatmap struct {
	Title, Desc string
	Days        []string
	Cells       [7][24]float64
	// Hrefs, when set, link each cell (same shape as Cells).
	Hrefs *[7][24]string
}

// Palette is colour-blind-safe (Okabe–Ito), used in series order.
var Palette = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"}

const (
	marginLeft   = 48
	marginRight  = 12
	marginTop    = 16
	marginBottom = 40
	legendHeight = 18
)

// esc makes any text safe inside SVG text and attributes.
func esc(s string) string { return template.HTMLEscapeString(s) }

// num prints a coordinate compactly (no "1e+06", at most 2 decimals).
func num(f float64) string { return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64) }

// Label formats a value for an axis or tooltip: whole numbers plainly,
// fractions with one decimal, big numbers with k/M.
func Label(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	case v == math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// Ticks returns "nice" axis ticks (steps of 1, 2 or 5 × 10ⁿ) from 0 to at
// least max, about n of them; max ≤ 0 gives 0…1.
func Ticks(max float64, n int) []float64 {
	if max <= 0 || math.IsNaN(max) || math.IsInf(max, 0) {
		max = 1
	}
	if n < 1 {
		n = 4
	}
	raw := max / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var out []float64
	for i := 0; ; i++ {
		// Through 12 significant digits so 3 × 0.1 prints as 0.3.
		v, _ := strconv.ParseFloat(strconv.FormatFloat(float64(i)*step, 'g', 12, 64), 64)
		out = append(out, v)
		if v >= max {
			break
		}
	}
	return out
}

type svg struct{ strings.Builder }

func (b *svg) f(format string, args ...any) { fmt.Fprintf(&b.Builder, format, args...) }

// open writes the root element with the accessible name and description.
func (b *svg) open(w, h int, class, title, desc string) {
	// <title> as the first child is the SVG's accessible name, <desc> its
	// description (SVG-AAM), so no ids are needed and two charts on a page
	// never clash.
	b.f(`<svg xmlns="http://www.w3.org/2000/svg" class="chart %s" viewBox="0 0 %d %d" width="%d" height="%d" role="img">`,
		class, w, h, w, h)
	b.f(`<title>%s</title><desc>%s</desc>`, esc(title), esc(desc))
}

// empty draws the "no data" chart: a framed message, no axes.
func empty(w, h int, class, title, desc string) template.HTML {
	var b svg
	b.open(w, h, class+" chart-empty", title, desc)
	b.f(`<rect x="0.5" y="0.5" width="%d" height="%d" fill="none" stroke="#ccc"/>`, w-1, h-1)
	b.f(`<text x="%d" y="%d" text-anchor="middle" class="chart-note">No data for this period</text></svg>`, w/2, h/2)
	return template.HTML(b.String())
}

// yAxis draws horizontal grid lines with tick labels.
func (b *svg) yAxis(ticks []float64, w, plotH int) {
	top := ticks[len(ticks)-1]
	for _, t := range ticks {
		y := float64(marginTop) + float64(plotH)*(1-t/top)
		b.f(`<line class="grid" x1="%d" x2="%d" y1="%s" y2="%s" stroke="#e5e5e5"/>`, marginLeft, w-marginRight, num(y), num(y))
		b.f(`<text class="tick y" x="%d" y="%s" text-anchor="end" dominant-baseline="middle">%s</text>`, marginLeft-6, num(y), esc(Label(t)))
	}
}

func (b *svg) legend(series []Series, y int) {
	if len(series) < 2 {
		return
	}
	x := marginLeft
	for i, s := range series {
		b.f(`<g class="legend"><rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d">%s</text></g>`,
			x, y, Palette[i%len(Palette)], x+14, y+9, esc(s.Name))
		x += 24 + 7*len([]rune(s.Name))
	}
}

func maxOf(series []Series) (m float64, any bool) {
	for _, s := range series {
		for _, v := range s.Values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				any = true
				m = math.Max(m, v)
			}
		}
	}
	return
}

func size(w, h, dw, dh int) (int, int) {
	if w <= 0 {
		w = dw
	}
	if h <= 0 {
		h = dh
	}
	return w, h
}

// frame opens an axis chart (bars or lines): the plot area's width and
// height, room for a legend when there are several series, and the y axis
// up to the scale's top, which it returns.
func (b *svg) frame(w, h int, class, title, desc string, max float64, series int) (plotW, plotH int, top float64) {
	b.open(w, h, class, title, desc)
	legend := 0
	if series > 1 {
		legend = legendHeight
	}
	plotH = h - marginTop - marginBottom - legend
	plotW = w - marginLeft - marginRight
	ticks := Ticks(max, 4)
	b.yAxis(ticks, w, plotH)
	return plotW, plotH, ticks[len(ticks)-1]
}

// SVG draws the bar chart.
func (c Bar) SVG() template.HTML {
	w, h := size(c.Width, c.Height, 640, 260)
	max, any := maxOf(c.Series)
	if len(c.Categories) == 0 || !any {
		return empty(w, h, "bar", c.Title, c.Desc)
	}
	var b svg
	plotW, plotH, top := b.frame(w, h, "bar", c.Title, c.Desc, max, len(c.Series))
	band := float64(plotW) / float64(len(c.Categories))
	inner := band * 0.8 / float64(max1(len(c.Series)))
	base := float64(marginTop + plotH)
	for ci, cat := range c.Categories {
		x0 := float64(marginLeft) + band*float64(ci) + band*0.1
		for si, s := range c.Series {
			v := 0.0
			if ci < len(s.Values) && !math.IsNaN(s.Values[ci]) && !math.IsInf(s.Values[ci], 0) {
				v = math.Max(s.Values[ci], 0)
			}
			bh := float64(plotH) * v / top
			x := x0 + inner*float64(si)
			rect := fmt.Sprintf(`<rect class="bar" x="%s" y="%s" width="%s" height="%s" fill="%s" data-value="%s"><title>%s</title></rect>`,
				num(x), num(base-bh), num(math.Max(inner-1, 1)), num(bh), Palette[si%len(Palette)], num(v),
				esc(seriesLabel(s.Name, cat, v)))
			b.link(s.Hrefs, ci, rect)
		}
		b.f(`<text class="tick x" x="%s" y="%d" text-anchor="middle">%s</text>`, num(x0+band*0.4), marginTop+plotH+16, esc(cat))
	}
	b.f(`<line class="axis" x1="%d" x2="%d" y1="%s" y2="%s" stroke="#888"/>`, marginLeft, w-marginRight, num(base), num(base))
	b.legend(c.Series, h-legendHeight+2)
	b.f(`</svg>`)
	return template.HTML(b.String())
}

// link wraps an element in <a> when the series has an href for index i.
// Hrefs come from our own handlers but are escaped all the same.
func (b *svg) link(hrefs []string, i int, el string) {
	if i < len(hrefs) && hrefs[i] != "" {
		b.f(`<a href="%s">%s</a>`, esc(hrefs[i]), el)
		return
	}
	b.WriteString(el)
}

func seriesLabel(series, cat string, v float64) string {
	if series == "" {
		return cat + ": " + Label(v)
	}
	return series + ", " + cat + ": " + Label(v)
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// SVG draws the line (or area) chart.
func (c Line) SVG() template.HTML {
	w, h := size(c.Width, c.Height, 640, 260)
	max, any := maxOf(c.Series)
	if len(c.Labels) == 0 || !any {
		return empty(w, h, "line", c.Title, c.Desc)
	}
	var b svg
	plotW, plotH, top := b.frame(w, h, "line", c.Title, c.Desc, max, len(c.Series))
	n := len(c.Labels)
	xAt := func(i int) float64 {
		if n == 1 {
			return float64(marginLeft) + float64(plotW)/2
		}
		return float64(marginLeft) + float64(plotW)*float64(i)/float64(n-1)
	}
	base := float64(marginTop + plotH)
	yAt := func(v float64) float64 { return base - float64(plotH)*math.Max(v, 0)/top }
	for si, s := range c.Series {
		colour := Palette[si%len(Palette)]
		var pts []string
		for i := 0; i < n && i < len(s.Values); i++ {
			v := s.Values[i]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				v = 0
			}
			pts = append(pts, num(xAt(i))+","+num(yAt(v)))
		}
		if len(pts) == 0 {
			continue
		}
		if c.Area {
			b.f(`<polygon class="area" points="%s,%s %s %s,%s" fill="%s" fill-opacity="0.2"/>`,
				num(xAt(0)), num(base), strings.Join(pts, " "), num(xAt(len(pts)-1)), num(base), colour)
		}
		b.f(`<polyline class="series" points="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.Join(pts, " "), colour)
		for i := range pts {
			v := s.Values[i]
			dot := fmt.Sprintf(`<circle class="point" cx="%s" cy="%s" r="3" fill="%s" data-value="%s"><title>%s</title></circle>`,
				num(xAt(i)), num(yAt(v)), colour, num(v), esc(seriesLabel(s.Name, c.Labels[i], v)))
			b.link(s.Hrefs, i, dot)
		}
	}
	// Label at most ~8 x ticks so dates never overlap.
	every := (n + 7) / 8
	for i, l := range c.Labels {
		if i%every == 0 || i == n-1 && n <= 8 {
			b.f(`<text class="tick x" x="%s" y="%d" text-anchor="middle">%s</text>`, num(xAt(i)), marginTop+plotH+16, esc(l))
		}
	}
	b.f(`<line class="axis" x1="%d" x2="%d" y1="%s" y2="%s" stroke="#888"/>`, marginLeft, w-marginRight, num(base), num(base))
	b.legend(c.Series, h-legendHeight+2)
	b.f(`</svg>`)
	return template.HTML(b.String())
}

// SVG draws the heatmap: darker cells are busier, each with its count as
// a tooltip.
func (c Heatmap) SVG() template.HTML {
	const cell, left, topM = 22, 40, 20
	w, h := left+24*cell+8, topM+7*cell+8
	days := c.Days
	if len(days) != 7 {
		days = []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
	}
	max := 0.0
	for d := range c.Cells {
		for _, v := range c.Cells[d] {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				max = math.Max(max, v)
			}
		}
	}
	if max <= 0 {
		return empty(w, h, "heatmap", c.Title, c.Desc)
	}
	var b svg
	b.open(w, h, "heatmap", c.Title, c.Desc)
	for hr := 0; hr < 24; hr += 3 {
		b.f(`<text class="tick x" x="%d" y="%d" text-anchor="middle">%02d</text>`, left+hr*cell+cell/2, topM-6, hr)
	}
	for d := 0; d < 7; d++ {
		b.f(`<text class="tick y" x="%d" y="%d" text-anchor="end" dominant-baseline="middle">%s</text>`, left-6, topM+d*cell+cell/2, esc(days[d]))
		for hr := 0; hr < 24; hr++ {
			v := c.Cells[d][hr]
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				v = 0
			}
			// Opacity from 0.05 (quiet) to 1 (busiest), so an empty hour still shows its cell.
			op := 0.05 + 0.95*v/max
			rect := fmt.Sprintf(`<rect class="cell" x="%d" y="%d" width="%d" height="%d" fill="#0072B2" fill-opacity="%s" data-value="%s"><title>%s %02d:00: %s</title></rect>`,
				left+hr*cell, topM+d*cell, cell-2, cell-2, num(op), num(v), esc(days[d]), hr, Label(v))
			if c.Hrefs != nil && c.Hrefs[d][hr] != "" {
				b.f(`<a href="%s">%s</a>`, esc(c.Hrefs[d][hr]), rect)
			} else {
				b.WriteString(rect)
			}
		}
	}
	b.f(`</svg>`)
	return template.HTML(b.String())
}
