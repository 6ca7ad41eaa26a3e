package export

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"gonum.org/v1/plot"
	pfont "gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	xdraw "image/draw"
)

// Chart geometry, in pixels (the canvas is drawn at 72 dpi, so a point is
// a pixel). 1080 pixels is a phone screen's width at full resolution; the
// smallest text is 22 pixels, readable without zooming.
const (
	ChartWidth  = 1080
	rateHeight  = 760 // the month-by-month rate chart
	gridTop     = 150 // the grid's title and legend
	gridRow     = 40  // one member
	gridHead    = 44  // the months' row
	gridNameW   = 384 // the names' column: leaves 12 cells of 54 pixels
	gridMargin  = 24
	gridCell    = (ChartWidth - 2*gridMargin - gridNameW) / 12
	gridBottom  = 70 // the note under the grid
	textSize    = 22
	titleSize   = 34
	subSize     = 26
	valueSize   = 22
	gridTextPad = 10
)

// Colours of the marks and of the 85 % line.
var (
	colPresent   = color.RGBA{0x2e, 0x9d, 0x4f, 0xff}
	colExcused   = color.RGBA{0xf2, 0xc1, 0x2e, 0xff}
	colUnexcused = color.RGBA{0xd6, 0x3a, 0x3a, 0xff}
	colExempt    = color.RGBA{0xbd, 0xbd, 0xbd, 0xff}
	colExemptIn  = color.RGBA{0x7f, 0xb3, 0xd5, 0xff}
	colNone      = color.RGBA{0xf4, 0xf4, 0xf4, 0xff}
	colBelow     = color.RGBA{0xe8, 0x8a, 0x1a, 0xff}
	colLine      = color.RGBA{0xc0, 0x10, 0x10, 0xff}
	colInk       = color.RGBA{0x20, 0x20, 0x20, 0xff}
	colStripe    = color.RGBA{0xf7, 0xf9, 0xfc, 0xff}
)

// chartColors are the flat colours of a chart, first in its palette.
var chartColors = []color.RGBA{{0xff, 0xff, 0xff, 0xff}, colInk, colPresent, colExcused, colUnexcused, colExempt, colExemptIn, colNone, colBelow, colLine, colStripe}

func markColor(m Mark) color.Color {
	switch m {
	case MarkPresent:
		return colPresent
	case MarkExcused:
		return colExcused
	case MarkUnexcused:
		return colUnexcused
	case MarkExempt:
		return colExempt
	case MarkExemptPresent:
		return colExemptIn
	}
	return colNone
}

// cellWidth is the width of a grid column for n meetings: twelve fit at
// full width, more share the same room.
func cellWidth(n int) int {
	if n <= 12 {
		return gridCell
	}
	return (ChartWidth - 2*gridMargin - gridNameW) / n
}

// ChartHeight is the height of the year's chart for n members.
func ChartHeight(n int) int {
	rows := max(n, 1)
	return rateHeight + gridTop + gridHead + rows*gridRow + gridBottom
}

// AttendanceChart draws the year as one PNG, ChartWidth wide: on top the
// attendance rate month by month against the 85 % line, below it a member
// × month grid coloured by present, excused, unexcused and exempt, with
// the code letter in each cell for those who do not tell colours apart.
func AttendanceChart(t T, a *AttendanceYear) ([]byte, error) {
	fonts, err := fontCache()
	if err != nil {
		return nil, err
	}
	h := ChartHeight(len(a.Members))
	img := vgimg.NewWith(vgimg.UseWH(vg.Length(ChartWidth), vg.Length(h)), vgimg.UseDPI(72), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(img)
	st := styler{fonts: fonts}
	top := dc
	top.Min.Y = vg.Length(h - rateHeight)
	if err := drawRates(t, st, top, a); err != nil {
		return nil, err
	}
	grid := dc
	grid.Max.Y = vg.Length(h - rateHeight)
	drawGrid(t, st, grid, a)
	rgba, ok := img.Image().(*image.RGBA)
	if !ok {
		return nil, fmt.Errorf("export: canvas is %T, not RGBA", img.Image())
	}
	// The grid's cells are stamped from one tile per mark: drawing 2,400
	// letters one by one is most of the time of a 200-member chart.
	cw := cellWidth(len(a.Meetings))
	tiles := map[Mark]image.Image{}
	for _, k := range append([]Mark{MarkNone}, legendMarks...) {
		tiles[k] = tile(t, st, k, cw)
	}
	// Names go straight on the image with one face: a label through the
	// canvas costs a new face and a resampled glyph per letter.
	face, err := opentype.NewFace(fonts.Lookup(pfont.Font{Typeface: typeface}, textSize).Face, &opentype.FaceOptions{Size: textSize, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, err
	}
	defer face.Close()
	names := font.Drawer{Dst: rgba, Src: image.NewUniform(colInk), Face: face}
	for i, m := range a.Members {
		y := rateHeight + gridTop + gridHead + i*gridRow
		names.Dot = fixed.P(gridMargin+4, y+gridRow/2+textSize*7/20)
		names.DrawString(fit(face, m.Name, gridNameW-gridTextPad))
		for col, k := range m.Marks {
			x := gridMargin + gridNameW + col*cw
			xdraw.Draw(rgba, image.Rect(x, y, x+cw, y+gridRow), tiles[k], image.Point{}, xdraw.Src)
		}
	}
	var b bytes.Buffer
	// A paletted PNG: the chart has few colours, and a 200-member chart of
	// ten million pixels encodes several times faster and smaller so.
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&b, toPaletted(rgba, chartColors)); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// toPaletted converts an image of few colours to a paletted one: the first
// 256 colours met make the palette, later ones (anti-aliased edges) take
// the nearest. Runs of one colour, most of a chart, cost a comparison.
func toPaletted(src *image.RGBA, seed []color.RGBA) *image.Paletted {
	b := src.Bounds()
	dst := image.NewPaletted(b, nil)
	index := map[uint32]uint8{}
	var pal color.Palette
	for _, c := range seed { // the flat colours keep their exact value
		index[uint32(c.R)<<24|uint32(c.G)<<16|uint32(c.B)<<8|uint32(c.A)] = uint8(len(pal))
		pal = append(pal, c)
	}
	lookup := func(c uint32) uint8 {
		if i, ok := index[c]; ok {
			return i
		}
		rgba := color.RGBA{uint8(c >> 24), uint8(c >> 16), uint8(c >> 8), uint8(c)}
		var i uint8
		if len(pal) < 256 {
			i = uint8(len(pal))
			pal = append(pal, rgba)
		} else {
			i = uint8(pal.Index(rgba))
		}
		index[c] = i
		return i
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := src.Pix[(y-b.Min.Y)*src.Stride : (y-b.Min.Y)*src.Stride+b.Dx()*4]
		out := dst.Pix[(y-b.Min.Y)*dst.Stride : (y-b.Min.Y)*dst.Stride+b.Dx()]
		last, li := uint32(0), lookup(0)
		for x := range out {
			p := row[x*4 : x*4+4 : x*4+4]
			c := uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3])
			if c != last {
				last, li = c, lookup(c)
			}
			out[x] = li
		}
	}
	dst.Palette = pal
	return dst
}

// styler makes text styles on the embedded font.
type styler struct{ fonts *pfont.Cache }

func (s styler) text(size float64, bold bool) text.Style {
	f := pfont.Font{Typeface: typeface, Size: vg.Length(size)}
	if bold {
		f.Weight = font.WeightBold
	}
	return text.Style{Color: colInk, Font: f, Handler: text.Plain{Fonts: s.fonts}}
}

func (s styler) apply(sty *text.Style, size float64, bold bool) {
	n := s.text(size, bold)
	n.XAlign, n.YAlign, n.Rotation = sty.XAlign, sty.YAlign, sty.Rotation
	*sty = n
}

func drawRates(t T, st styler, c draw.Canvas, a *AttendanceYear) error {
	p := plot.New()
	p.TextHandler = text.Plain{Fonts: st.fonts}
	p.Title.Text = t("export.chart_rate_title", "Year", a.Year) + "\n" + a.Cell
	st.apply(&p.Title.TextStyle, titleSize, true)
	p.Title.Padding = 16
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		st.apply(&ax.Label.TextStyle, textSize, false)
		st.apply(&ax.Tick.Label, textSize, false)
		ax.LineStyle.Width = 2
		ax.Tick.LineStyle.Width = 2
	}
	st.apply(&p.Legend.TextStyle, textSize, false)
	p.X.Label.Text = t("export.chart_month")
	p.Y.Min, p.Y.Max = 0, 132 // room above a full bar for its value and the legend
	p.Y.Tick.Marker = plot.ConstantTicks{{Value: 0, Label: "0%"}, {Value: 25, Label: "25%"}, {Value: 50, Label: "50%"}, {Value: 85, Label: "85%"}, {Value: 100, Label: "100%"}}
	n := max(len(a.Meetings), 1)
	var above, below plotter.Values = make(plotter.Values, n), make(plotter.Values, n)
	var labels plotter.XYLabels
	names := make([]string, n)
	any := false
	for i, x := range a.Meetings {
		names[i] = x.label(t)
		r, ok := x.Rate()
		if !ok {
			continue
		}
		any = true
		if r > Standard {
			above[i] = r * 100
		} else {
			below[i] = r * 100
		}
		labels.XYs = append(labels.XYs, plotter.XY{X: float64(i), Y: r * 100})
		labels.Labels = append(labels.Labels, fmt.Sprintf("%.0f", r*100))
	}
	p.NominalX(names...)
	for _, bar := range []struct {
		v   plotter.Values
		col color.Color
		id  string
	}{{above, colPresent, "export.chart_above"}, {below, colBelow, "export.chart_below"}} {
		b, err := plotter.NewBarChart(bar.v, vg.Length(min(56, 672/n)))
		if err != nil {
			return err
		}
		b.Color, b.LineStyle.Width = bar.col, 0
		p.Add(b)
		p.Legend.Add(t(bar.id), b)
	}
	line, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: Standard * 100}, {X: float64(n) - 0.5, Y: Standard * 100}})
	if err != nil {
		return err
	}
	line.Color, line.Width, line.Dashes = colLine, 4, []vg.Length{14, 8}
	p.Add(line)
	p.Legend.Add(t("export.chart_line"), line)
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs = 20
	p.Legend.ThumbnailWidth = 40
	if len(labels.XYs) > 0 {
		l, err := plotter.NewLabels(labels)
		if err != nil {
			return err
		}
		for i := range l.TextStyle {
			l.TextStyle[i] = st.text(valueSize, true)
			l.TextStyle[i].XAlign = draw.XCenter
		}
		l.Offset = vg.Point{Y: 6}
		p.Add(l)
	}
	if !any {
		p.X.Label.Text = t("export.chart_no_meetings", "Year", a.Year)
	}
	p.Draw(draw.Crop(c, 16, -24, 8, -8))
	return nil
}

func drawGrid(t T, st styler, c draw.Canvas, a *AttendanceYear) {
	top := c.Max.Y
	x0 := c.Min.X + gridMargin
	title := st.text(28, true)
	title.YAlign = draw.YTop
	c.FillText(title, vg.Point{X: x0, Y: top - 16}, t("export.chart_grid_title", "Year", a.Year))
	// The legend: a square and a name per mark.
	lt := st.text(textSize, false)
	lt.YAlign = draw.YCenter
	// Five marks do not fit on one line: the legend wraps.
	x, y := x0, top-78
	for _, k := range legendMarks {
		sq := vg.Length(30)
		name := k.code(t) + " " + k.name(t)
		if w := sq + 8 + lt.Width(name); x > x0 && x+w > c.Max.X-gridMargin {
			x, y = x0, y-40
		}
		c.FillPolygon(markColor(k), rect(x, y-sq/2, sq, sq))
		c.FillText(lt, vg.Point{X: x + sq + 8, Y: y}, name)
		x += sq + 8 + lt.Width(name) + 30
	}
	// Meetings across, members down.
	y = top - gridTop
	head := st.text(textSize, true)
	head.XAlign, head.YAlign = draw.XCenter, draw.YCenter
	cellW := vg.Length(cellWidth(len(a.Meetings)))
	if len(a.Meetings) > 12 {
		head = st.text(14, true)
		head.XAlign, head.YAlign = draw.XCenter, draw.YCenter
	}
	for i, x := range a.Meetings {
		cx := x0 + gridNameW + cellW*vg.Length(i) + cellW/2
		c.FillText(head, vg.Point{X: cx, Y: y - gridHead/2}, x.label(t))
	}
	y -= gridHead
	for i := range a.Members {
		if i%2 == 1 {
			c.FillPolygon(colStripe, rect(x0, y-gridRow, gridNameW, gridRow))
		}
		y -= gridRow
	}
	note := st.text(textSize, false)
	note.YAlign = draw.YCenter
	if len(a.Members) == 0 {
		c.FillText(note, vg.Point{X: x0, Y: y - gridRow/2}, t("export.att_empty", "Year", a.Year))
		y -= gridRow
	}
	c.FillText(note, vg.Point{X: x0, Y: y - gridBottom/2}, t("export.chart_grid_note"))
}

// tile is one grid cell of mark k: its colour and its code letter.
func tile(t T, st styler, k Mark, w int) image.Image {
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(w), gridRow), vgimg.UseDPI(72), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(c)
	cw := vg.Length(w)
	dc.FillPolygon(markColor(k), rect(2, 2, cw-4, gridRow-4))
	if k != MarkNone {
		code := st.text(textSize, true)
		code.XAlign, code.YAlign = draw.XCenter, draw.YCenter
		code.Color = color.White
		if k == MarkExempt || k == MarkExcused {
			code.Color = colInk // dark letters on light cells
		}
		if w < gridCell {
			code = st.text(14, true)
			code.XAlign, code.YAlign, code.Color = draw.XCenter, draw.YCenter, color.White
		}
		if k == MarkExempt || k == MarkExcused {
			code.Color = colInk
		}
		dc.FillText(code, vg.Point{X: cw / 2, Y: gridRow / 2}, k.code(t))
	}
	return c.Image()
}

func rect(x, y, w, h vg.Length) []vg.Point {
	return []vg.Point{{X: x, Y: y}, {X: x + w, Y: y}, {X: x + w, Y: y + h}, {X: x, Y: y + h}}
}

// fit shortens s with "…" until it is at most w pixels wide: a
// 200-character name keeps its beginning and the grid its shape.
func fit(face font.Face, s string, w int) string {
	limit := fixed.I(w)
	if font.MeasureString(face, s) <= limit {
		return s
	}
	r := []rune(s)
	lo, hi := 0, len(r) // the longest prefix that fits, by bisection
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if font.MeasureString(face, string(r[:mid])+"…") <= limit {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return string(r[:lo]) + "…"
}
