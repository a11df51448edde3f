package chart

import (
	"encoding/xml"
	htmltemplate "html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

// node is a parsed SVG element: the tests read the drawing as a tree, the
// way a browser would, instead of matching strings.
type node struct {
	Name  string
	Attr  map[string]string
	Text  string
	Kids  []*node
	Depth int
}

func parse(t *testing.T, s string) *node {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	var stack []*node
	var root *node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed SVG: %v\n%s", err, s)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			n := &node{Name: tk.Name.Local, Attr: map[string]string{}}
			for _, a := range tk.Attr {
				n.Attr[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Kids = append(p.Kids, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(tk)
			}
		}
	}
	return root
}

func (n *node) all(name, class string) []*node {
	var out []*node
	var walk func(*node)
	walk = func(m *node) {
		if m.Name == name && (class == "" || strings.Contains(" "+m.Attr["class"]+" ", " "+class+" ")) {
			out = append(out, m)
		}
		for _, k := range m.Kids {
			walk(k)
		}
	}
	walk(n)
	return out
}

func (n *node) texts() []string {
	var out []string
	for _, t := range n.all("text", "") {
		out = append(out, t.Text)
	}
	return out
}

func f(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return v
}

func TestBarGroupedHeightsProportional(t *testing.T) {
	c := Bar{Title: "Volume", Desc: "New and resolved per team",
		Categories: []string{"Billing", "Support", "Sales"},
		Series: []Series{
			{Name: "New", Values: []float64{10, 40, 20}, Hrefs: []string{"/inbox?team=1", "/inbox?team=2", ""}},
			{Name: "Resolved", Values: []float64{5, 30, 0}},
		}}
	root := parse(t, string(c.SVG()))
	if root.Name != "svg" || root.Attr["role"] != "img" {
		t.Fatalf("root = %s role=%q", root.Name, root.Attr["role"])
	}
	if root.Kids[0].Name != "title" || root.Kids[0].Text != "Volume" || root.Kids[1].Name != "desc" || root.Kids[1].Text != "New and resolved per team" {
		t.Fatalf("accessible name/description missing: %+v %+v", root.Kids[0], root.Kids[1])
	}
	bars := root.all("rect", "bar")
	if len(bars) != 6 {
		t.Fatalf("bars = %d, want 3 categories × 2 series", len(bars))
	}
	// The tallest bar (40) sets the scale; every other bar's height is
	// proportional to its value against the axis top.
	ticks := Ticks(40, 4)
	top := ticks[len(ticks)-1]
	var unit float64
	for _, b := range bars {
		v, h := f(t, b.Attr["data-value"]), f(t, b.Attr["height"])
		if v == 40 {
			unit = h / v
		}
	}
	if unit == 0 {
		t.Fatal("no bar for 40")
	}
	for _, b := range bars {
		v, h := f(t, b.Attr["data-value"]), f(t, b.Attr["height"])
		if math.Abs(h-v*unit) > 0.02 {
			t.Errorf("bar %v has height %v, want %v", v, h, v*unit)
		}
		// All bars stand on the same baseline.
		if base := f(t, b.Attr["y"]) + h; math.Abs(base-f(t, bars[0].Attr["y"])-f(t, bars[0].Attr["height"])) > 0.02 {
			t.Errorf("bar %v floats: base %v", v, base)
		}
	}
	if top != 40 {
		t.Errorf("axis top = %v, want 40", top)
	}
	txt := strings.Join(root.texts(), "|")
	for _, want := range []string{"Billing", "Support", "Sales", "New", "Resolved", "0", "40"} {
		if !strings.Contains(txt, want) {
			t.Errorf("label %q missing from %q", want, txt)
		}
	}
	links := root.all("a", "")
	if len(links) != 2 || links[0].Attr["href"] != "/inbox?team=1" || len(links[0].all("rect", "bar")) != 1 {
		t.Errorf("drill-down links = %d (%v)", len(links), links)
	}
	if got := bars[1].all("title", ""); len(got) != 1 || got[0].Text != "Resolved, Billing: 5" {
		t.Errorf("bar tooltip = %+v", got)
	}
}

func TestHostileLabelsStayText(t *testing.T) {
	evil := `<script>alert(1)</script>"><img src=x onerror=alert(2)>`
	charts := map[string]string{
		"bar":     string(Bar{Title: evil, Desc: evil, Categories: []string{evil}, Series: []Series{{Name: evil, Values: []float64{1}, Hrefs: []string{`"><script>x</script>`}}, {Name: "b", Values: []float64{2}}}}.SVG()),
		"line":    string(Line{Title: evil, Labels: []string{evil, "b"}, Series: []Series{{Name: evil, Values: []float64{1, 2}}}}.SVG()),
		"heatmap": string(Heatmap{Title: evil, Days: []string{evil, "b", "c", "d", "e", "f", "g"}, Cells: [7][24]float64{{1}}}.SVG()),
		"empty":   string(Bar{Title: evil}.SVG()),
	}
	for name, s := range charts {
		root := parse(t, s) // well-formed: nothing broke out of its element
		if len(root.all("script", "")) != 0 || len(root.all("img", "")) != 0 || strings.Contains(s, "<script") {
			t.Errorf("%s: hostile label became markup:\n%s", name, s)
		}
		found := false
		for _, n := range append(root.all("title", ""), root.all("text", "")...) {
			if strings.Contains(n.Text, "<script>alert(1)</script>") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: the label should still be shown as text", name)
		}
	}
}

func TestEmptyData(t *testing.T) {
	for name, c := range map[string]interface{ SVG() htmltemplate.HTML }{
		"bar no categories": Bar{Title: "x"},
		"bar all NaN":       Bar{Title: "x", Categories: []string{"a"}, Series: []Series{{Values: []float64{math.NaN()}}}},
		"line no points":    Line{Title: "x"},
		"heatmap zeros":     Heatmap{Title: "x"},
	} {
		root := parse(t, string(c.SVG()))
		if !strings.Contains(root.Attr["class"], "chart-empty") || !strings.Contains(strings.Join(root.texts(), ""), "No data") {
			t.Errorf("%s: want the no-data chart, got %s", name, c.SVG())
		}
		if len(root.all("rect", "bar"))+len(root.all("polyline", ""))+len(root.all("rect", "cell")) != 0 {
			t.Errorf("%s: drew marks for no data", name)
		}
	}
	// All-zero bars are data (a quiet week), drawn at height 0 on a 0…1 axis.
	root := parse(t, string(Bar{Categories: []string{"a", "b"}, Series: []Series{{Values: []float64{0, 0}}}}.SVG()))
	if got := len(root.all("rect", "bar")); got != 2 {
		t.Errorf("zero bars = %d, want 2", got)
	}
}

func TestLineAndArea(t *testing.T) {
	labels := []string{"1 Nov", "2 Nov", "3 Nov", "4 Nov"}
	c := Line{Title: "Backlog", Labels: labels, Area: true, Series: []Series{{Name: "Open", Values: []float64{2, 8, 4, 0}}}}
	root := parse(t, string(c.SVG()))
	pl := root.all("polyline", "series")
	if len(pl) != 1 || len(root.all("polygon", "area")) != 1 {
		t.Fatalf("want one line and one area, got %d/%d", len(pl), len(root.all("polygon", "area")))
	}
	pts := strings.Fields(pl[0].Attr["points"])
	if len(pts) != 4 {
		t.Fatalf("points = %v", pts)
	}
	y := func(p string) float64 { return f(t, strings.Split(p, ",")[1]) }
	x := func(p string) float64 { return f(t, strings.Split(p, ",")[0]) }
	// Higher values sit higher (smaller y); x grows left to right evenly.
	if !(y(pts[1]) < y(pts[2]) && y(pts[2]) < y(pts[0]) && y(pts[0]) < y(pts[3])) {
		t.Errorf("y order wrong: %v", pts)
	}
	if d1, d2 := x(pts[1])-x(pts[0]), x(pts[3])-x(pts[2]); math.Abs(d1-d2) > 0.02 {
		t.Errorf("uneven x spacing %v %v", d1, d2)
	}
	// 8 is the axis top (ticks 0,2,4,6,8): the 4 sits halfway.
	zero, eight := y(pts[3]), y(pts[1])
	if mid := (zero + eight) / 2; math.Abs(y(pts[2])-mid) > 0.02 {
		t.Errorf("4 at y=%v, want %v", y(pts[2]), mid)
	}
	txt := strings.Join(root.texts(), "|")
	for _, l := range labels {
		if !strings.Contains(txt, l) {
			t.Errorf("x label %q missing", l)
		}
	}
	// A long series labels at most ~8 x ticks.
	many := make([]string, 90)
	vals := make([]float64, 90)
	for i := range many {
		many[i], vals[i] = "d"+strconv.Itoa(i), float64(i)
	}
	root = parse(t, string(Line{Labels: many, Series: []Series{{Values: vals}}}.SVG()))
	if n := len(root.all("text", "x")); n > 10 || n < 5 {
		t.Errorf("x ticks for 90 points = %d", n)
	}
}

func TestHeatmap(t *testing.T) {
	var h Heatmap
	h.Title = "Busiest hours"
	h.Cells[0][9] = 10 // Monday 09:00
	h.Cells[4][15] = 5 // Friday 15:00
	var hrefs [7][24]string
	hrefs[0][9] = "/inbox?x=1"
	h.Hrefs = &hrefs
	root := parse(t, string(h.SVG()))
	cells := root.all("rect", "cell")
	if len(cells) != 7*24 {
		t.Fatalf("cells = %d", len(cells))
	}
	op := func(i int) float64 { return f(t, cells[i].Attr["fill-opacity"]) }
	if op(9) != 1 || op(4*24+15) >= op(9) || op(4*24+15) <= op(0) {
		t.Errorf("opacity not by value: mon9=%v fri15=%v mon0=%v", op(9), op(4*24+15), op(0))
	}
	if tt := cells[9].all("title", ""); len(tt) != 1 || tt[0].Text != "Mon 09:00: 10" {
		t.Errorf("tooltip %+v", tt)
	}
	if a := root.all("a", ""); len(a) != 1 || a[0].Attr["href"] != "/inbox?x=1" {
		t.Errorf("links %+v", a)
	}
	txt := strings.Join(root.texts(), "|")
	for _, want := range []string{"Mon", "Sun", "00", "21"} {
		if !strings.Contains(txt, want) {
			t.Errorf("label %q missing", want)
		}
	}
}

func TestTicks(t *testing.T) {
	for _, c := range []struct {
		max  float64
		want string
	}{{40, "0 10 20 30 40"}, {7, "0 2 4 6 8"}, {0, "0 0.5 1"}, {0.3, "0 0.1 0.2 0.3"}, {1234, "0 500 1000 1500"}} {
		var s []string
		for _, v := range Ticks(c.max, 4) {
			s = append(s, strconv.FormatFloat(v, 'f', -1, 64))
		}
		if got := strings.Join(s, " "); got != c.want {
			t.Errorf("Ticks(%v) = %s, want %s", c.max, got, c.want)
		}
	}
}
