// Package chart draws crmbot's reports as PNG pictures with gonum.org/v1/plot: the
// pipeline as stacked bars (manager × stage, R11) and the conversion funnel (R17).
// It knows nothing of the bot or the platforms: numbers in, PNG bytes out.
package chart

import (
	"bytes"
	"fmt"
	"image"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// dpi is the resolution the pictures are drawn at: a phone shows them at about this
// density, so 1 point of text is about 1.33 pixels.
const dpi = 96

// Widths and row heights in pixels. A chat client scales the picture to the screen's
// width, so the width is fixed and the height grows with the number of managers: each
// manager keeps a readable bar however large the department.
const (
	pipelineWidth = 1000
	pipelineBase  = 150 // title, axis, legend
	pipelineRow   = 26
	pipelineMinH  = 400
	funnelWidth   = 900
	funnelHeight  = 500
)

// PipelineSize is the size in pixels of the pipeline chart for n managers.
func PipelineSize(n int) (w, h int) {
	h = pipelineBase + pipelineRow*n
	if h < pipelineMinH {
		h = pipelineMinH
	}
	return pipelineWidth, h
}

// FunnelSize is the size in pixels of the funnel chart.
func FunnelSize() (w, h int) { return funnelWidth, funnelHeight }

// Series is one layer of stacked bars: a stage, with one value per manager.
type Series struct {
	Label  string
	Values []float64
}

// Stacked is a stacked bar chart: one bar per category (manager), one layer per series
// (stage).
type Stacked struct {
	Title      string
	Categories []string
	Series     []Series
	Empty      string // written across the picture when there is nothing to show
}

// palette gives each stage a color that stays the same in every chart, from a
// colorblind-safe set (Okabe–Ito).
var palette = []color.RGBA{
	{0, 114, 178, 255},   // blue
	{230, 159, 0, 255},   // orange
	{0, 158, 115, 255},   // green
	{204, 121, 167, 255}, // purple
	{86, 180, 233, 255},  // sky
	{213, 94, 0, 255},    // vermillion
	{240, 228, 66, 255},  // yellow
}

// px converts pixels to plot lengths at dpi.
func px(n float64) vg.Length { return vg.Length(n) * vg.Inch / dpi }

// Pipeline draws s as horizontal stacked bars, managers top to bottom in the given
// order, and returns the PNG.
func Pipeline(s Stacked) ([]byte, error) {
	w, h := PipelineSize(len(s.Categories))
	p := plot.New()
	p.Title.Text = s.Title
	p.Title.Padding = px(8)
	p.Title.TextStyle.Font.Size = 16
	p.X.Label.Text = ""
	p.X.Min = 0
	p.Legend.Top = true
	p.Legend.Left = false
	p.Legend.Padding = px(4)
	total := 0.0
	if n := len(s.Categories); n > 0 {
		// The first manager is drawn at the top: plot's Y grows upwards.
		names := make([]string, n)
		for i, c := range s.Categories {
			names[n-1-i] = c
		}
		p.NominalY(names...)
		var below *plotter.BarChart
		for si, ser := range s.Series {
			vals := make(plotter.Values, n)
			for i := range s.Categories {
				if i < len(ser.Values) {
					vals[n-1-i] = ser.Values[i]
					total += ser.Values[i]
				}
			}
			bars, err := plotter.NewBarChart(vals, px(pipelineRow*0.7))
			if err != nil {
				return nil, err
			}
			bars.Horizontal = true
			bars.LineStyle.Width = 0
			bars.Color = palette[si%len(palette)]
			if below != nil {
				bars.StackOn(below)
			}
			below = bars
			p.Add(bars)
			p.Legend.Add(ser.Label, bars)
		}
	}
	if total == 0 {
		p.X.Max = 1
		p.HideY()
		p.X.Tick.Marker = plot.ConstantTicks(nil)
		if s.Empty != "" {
			l, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: 0.5, Y: 0.5}}, Labels: []string{s.Empty}})
			if err != nil {
				return nil, err
			}
			l.TextStyle[0].Font.Size = 18
			l.TextStyle[0].XAlign = draw.XCenter
			p.Add(l)
			p.Y.Min, p.Y.Max = 0, 1
		}
	} else {
		p.X.Tick.Marker = integerTicks{}
		// Room on the right for the legend, so that it never hides a bar.
		p.X.Max = longest(s) * 1.3
	}
	p.Y.Tick.Label.Font.Size = 12
	p.X.Tick.Label.Font.Size = 12
	p.Legend.TextStyle.Font.Size = 12
	return render(p, w, h)
}

// longest is the total of the longest bar.
func longest(s Stacked) float64 {
	max := 0.0
	for i := range s.Categories {
		t := 0.0
		for _, ser := range s.Series {
			if i < len(ser.Values) {
				t += ser.Values[i]
			}
		}
		if t > max {
			max = t
		}
	}
	return max
}

// Step is one stage of a funnel: how many interests reached it.
type Step struct {
	Label string
	Value float64
}

// Funnel draws the steps top to bottom as centred bars that narrow with the counts,
// each labelled with its count and its share of the first step, and returns the PNG.
func Funnel(title string, steps []Step) ([]byte, error) {
	w, h := FunnelSize()
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = 16
	p.HideX()
	p.Y.Tick.Label.Font.Size = 13
	n := len(steps)
	max := 0.0
	for _, s := range steps {
		if s.Value > max {
			max = s.Value
		}
	}
	if n > 0 {
		names := make([]string, n)
		pad := make(plotter.Values, n)
		vals := make(plotter.Values, n)
		var labels []string
		var xys plotter.XYs
		for i, s := range steps {
			j := n - 1 - i // the first step at the top
			names[j] = s.Label
			pad[j] = (max - s.Value) / 2
			vals[j] = s.Value
			text := fmt.Sprintf("%g", s.Value)
			if i > 0 && steps[0].Value > 0 {
				text += fmt.Sprintf(" (%.0f%%)", 100*s.Value/steps[0].Value)
			}
			labels = append(labels, text)
			xys = append(xys, plotter.XY{X: max / 2, Y: float64(j)})
		}
		p.NominalY(names...)
		barW := px(float64(h-120) / float64(n) * 0.75)
		// An invisible bar on the left centres the visible one: a funnel.
		spacer, err := plotter.NewBarChart(pad, barW)
		if err != nil {
			return nil, err
		}
		spacer.Horizontal = true
		spacer.LineStyle.Width = 0
		spacer.Color = color.Transparent
		bars, err := plotter.NewBarChart(vals, barW)
		if err != nil {
			return nil, err
		}
		bars.Horizontal = true
		bars.LineStyle.Width = 0
		bars.Color = palette[0]
		bars.StackOn(spacer)
		l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
		if err != nil {
			return nil, err
		}
		for i := range l.TextStyle {
			l.TextStyle[i].Font.Size = 14
			l.TextStyle[i].XAlign = draw.XCenter
			l.TextStyle[i].YAlign = draw.YCenter
			l.TextStyle[i].Color = color.Black
		}
		p.Add(spacer, bars, l)
	}
	p.X.Min = 0
	p.X.Max = max
	if max == 0 {
		p.X.Max = 1
	}
	return render(p, w, h)
}

// render draws p on a w×h pixel image and encodes it as PNG.
func render(p *plot.Plot, w, h int) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	c := vgimg.NewWith(vgimg.UseImage(img), vgimg.UseDPI(dpi))
	p.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// integerTicks marks whole numbers only: a count of interests has no halves.
type integerTicks struct{}

func (integerTicks) Ticks(min, max float64) []plot.Tick {
	step := 1.0
	for (max-min)/step > 10 {
		switch {
		case fmt.Sprint(step)[0] == '1':
			step *= 2
		case fmt.Sprint(step)[0] == '2':
			step = step / 2 * 5
		default:
			step *= 2
		}
	}
	var out []plot.Tick
	for v := 0.0; v <= max; v += step {
		if v >= min {
			out = append(out, plot.Tick{Value: v, Label: fmt.Sprintf("%g", v)})
		}
	}
	return out
}
