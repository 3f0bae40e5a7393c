package chart_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"testing"

	"crmbot/bot/chart"
)

func pngSize(t *testing.T, b []byte) (int, int) {
	t.Helper()
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil || format != "png" {
		t.Fatalf("not a PNG: %v %q", err, format)
	}
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	return cfg.Width, cfg.Height
}

var stages = []string{"new", "meeting", "proposal", "deliberating"}

func pipeline(managers int) chart.Stacked {
	s := chart.Stacked{Title: "Pipeline", Empty: "No open interests"}
	for i := 0; i < managers; i++ {
		s.Categories = append(s.Categories, fmt.Sprintf("Manager %02d", i+1))
	}
	for si, st := range stages {
		ser := chart.Series{Label: st}
		for i := 0; i < managers; i++ {
			ser.Values = append(ser.Values, float64((i*7+si*3)%11))
		}
		s.Series = append(s.Series, ser)
	}
	return s
}

func TestPipelineChartSizes(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 3, 50} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			b, err := chart.Pipeline(pipeline(n))
			if err != nil {
				t.Fatal(err)
			}
			w, h := pngSize(t, b)
			ww, wh := chart.PipelineSize(n)
			if w != ww || h != wh {
				t.Fatalf("%d managers: %dx%d, want %dx%d", n, w, h, ww, wh)
			}
			if os.Getenv("CRMBOT_CHART_OUT") != "" {
				os.WriteFile(fmt.Sprintf("%s/pipeline-%d.png", os.Getenv("CRMBOT_CHART_OUT"), n), b, 0o644)
			}
		})
	}
	if w, h := chart.PipelineSize(50); w != 1000 || h != 1450 {
		t.Errorf("50 managers: %dx%d", w, h)
	}
	if _, h := chart.PipelineSize(0); h != 400 {
		t.Errorf("empty: height %d", h)
	}
}

func TestPipelineChartWithNoOpenInterests(t *testing.T) {
	s := pipeline(3)
	for i := range s.Series {
		s.Series[i].Values = make([]float64, 3)
	}
	b, err := chart.Pipeline(s)
	if err != nil {
		t.Fatal(err)
	}
	if w, h := pngSize(t, b); w != 1000 || h != 400 {
		t.Fatalf("%dx%d", w, h)
	}
}

func TestFunnelChart(t *testing.T) {
	t.Parallel()
	for name, steps := range map[string][]chart.Step{
		"empty": nil,
		"zero":  {{"opened", 0}, {"won", 0}},
		"small": {{"opened", 40}, {"meeting", 25}, {"proposal", 12}, {"won", 5}},
	} {
		b, err := chart.Funnel("Conversion", steps)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		w, h := pngSize(t, b)
		if ww, wh := chart.FunnelSize(); w != ww || h != wh {
			t.Fatalf("%s: %dx%d, want %dx%d", name, w, h, ww, wh)
		}
		if os.Getenv("CRMBOT_CHART_OUT") != "" {
			os.WriteFile(os.Getenv("CRMBOT_CHART_OUT")+"/funnel-"+name+".png", b, 0o644)
		}
	}
}
