package export

import (
	"bytes"
	"image/color"
	"image/png"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// CellRates is one cell in a commune's chart: its attendance rate of the
// month's meeting and of the year so far, as fractions (ok false: none).
type CellRates struct {
	Name            string
	Month, Year     float64
	MonthOK, YearOK bool
}

// CommuneChart draws a commune's cells side by side: per cell a bar for the
// month's attendance and one for the year's, against the 85 % line. One row
// per cell, so that forty cells stay readable on a phone.
func CommuneChart(t T, title string, cells []CellRates) ([]byte, error) {
	fonts, err := fontCache()
	if err != nil {
		return nil, err
	}
	n := max(len(cells), 1)
	h := 260 + 64*n
	img := vgimg.NewWith(vgimg.UseWH(vg.Length(ChartWidth), vg.Length(h)), vgimg.UseDPI(72), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(img)
	st := styler{fonts: fonts}
	p := plot.New()
	p.TextHandler = text.Plain{Fonts: st.fonts}
	p.Title.Text = title
	st.apply(&p.Title.TextStyle, titleSize, true)
	p.Title.Padding = 16
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		st.apply(&ax.Label.TextStyle, textSize, false)
		st.apply(&ax.Tick.Label, textSize, false)
		ax.LineStyle.Width = 2
		ax.Tick.LineStyle.Width = 2
	}
	st.apply(&p.Legend.TextStyle, textSize, false)
	p.X.Min, p.X.Max = 0, 125
	p.X.Tick.Marker = plot.ConstantTicks{{Value: 0, Label: "0%"}, {Value: 50, Label: "50%"}, {Value: 85, Label: "85%"}, {Value: 100, Label: "100%"}}
	month, year := make(plotter.Values, n), make(plotter.Values, n)
	names := make([]string, n)
	for i, c := range cells {
		// The first cell on top: the y axis grows upwards.
		j := n - 1 - i
		names[j] = c.Name
		if c.MonthOK {
			month[j] = c.Month * 100
		}
		if c.YearOK {
			year[j] = c.Year * 100
		}
	}
	p.NominalY(names...)
	w := vg.Length(24)
	for k, bar := range []struct {
		v   plotter.Values
		col color.Color
		id  string
	}{{month, colPresent, "commune.chart_month"}, {year, colExemptIn, "commune.chart_year"}} {
		b, err := plotter.NewBarChart(bar.v, w)
		if err != nil {
			return nil, err
		}
		b.Horizontal = true
		b.Color, b.LineStyle.Width = bar.col, 0
		b.Offset = w * vg.Length(k*2-1) / 2
		p.Add(b)
		p.Legend.Add(t(bar.id), b)
	}
	line, err := plotter.NewLine(plotter.XYs{{X: Standard * 100, Y: -0.5}, {X: Standard * 100, Y: float64(n) - 0.5}})
	if err != nil {
		return nil, err
	}
	line.Color, line.Width, line.Dashes = colLine, 4, []vg.Length{14, 8}
	p.Add(line)
	p.Legend.Add(t("export.chart_line"), line)
	p.Legend.Top = true
	p.Legend.ThumbnailWidth = 40
	p.Draw(draw.Crop(dc, 16, -24, 8, -8))
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&b, img.Image()); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
