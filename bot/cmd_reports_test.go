package bot_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/bot/chart"
	"crmbot/crm"
	"crmbot/serverfiles"
	"crmbot/storage"
	"crmbot/storage/storagetest"
)

// reportsHarness is the transcript harness with a department of managers and
// interests, and an engine that may write exports and backups.
func reportsHarness(t *testing.T, managers, perManager int) (*harness, serverfiles.Dirs) {
	t.Helper()
	h := newHarness(t)
	dir := t.TempDir()
	opts := serverfiles.Dirs{DB: h.db, BackupDir: filepath.Join(dir, "backups"), ExportDir: filepath.Join(dir, "exports")}
	h.eng = bot.New(h.svc, bot.Options{Clock: h.clock.Now, Reports: bot.ReportOptions{Files: opts}})
	ctx := context.Background()
	admin, err := h.svc.Authenticate(ctx, "console:admin")
	if err != nil {
		t.Fatal(err)
	}
	sizes := []crm.CompanySize{crm.SizeSmall, crm.SizeMedium, crm.SizeLarge, crm.SizeGovernment}
	for m := 0; m < managers; m++ {
		seg := crm.SegmentCorporate
		if m%3 == 2 {
			seg = crm.SegmentRetail
		}
		u, err := h.svc.AddUser(ctx, crm.Op{Actor: admin}, fmt.Sprintf("Manager %02d", m+1), crm.RoleManager, seg, "UTC")
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < perManager; i++ {
			h.clock.t = h.clock.t.Add(time.Minute)
			c, err := h.svc.CreateInterest(ctx, crm.Op{Actor: u}, crm.NewInterest{
				ContactName: fmt.Sprintf("Contact %d-%d", m, i), CompanyName: fmt.Sprintf("Company %d-%d", m, i),
				Email: fmt.Sprintf("c%d.%d@example.com", m, i), CompanySize: sizes[(m+i)%4], Source: []string{"fair", "web"}[i%2],
			})
			if err != nil {
				t.Fatal(err)
			}
			id := c.Interest.ID
			switch i % 5 {
			case 1:
				_, err = h.svc.SetStage(ctx, crm.Op{Actor: u}, id, crm.StageChange{Stage: crm.StageMeeting})
			case 2:
				_, err = h.svc.SetStage(ctx, crm.Op{Actor: u}, id, crm.StageChange{Stage: crm.StageProposal})
			case 3:
				_, err = h.svc.SetStage(ctx, crm.Op{Actor: u}, id, crm.StageChange{Stage: crm.StageWon})
			case 4:
				_, err = h.svc.SetStage(ctx, crm.Op{Actor: u}, id, crm.StageChange{Stage: crm.StageLost, Loss: crm.LossCompetitor})
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	h.clock.t = h.clock.t.Add(time.Hour)
	return h, opts
}

func (h *harness) say(text string) bot.Reply {
	h.t.Helper()
	out := h.eng.Handle(context.Background(), bot.Request{Identity: "console:admin", Text: text})
	if len(out) != 1 {
		h.t.Fatalf("%s: %d replies: %+v", text, len(out), out)
	}
	return out[0]
}

func pngSize(t *testing.T, img *bot.Image) (int, int) {
	t.Helper()
	if img == nil {
		t.Fatal("no image")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(img.PNG))
	if err != nil || format != "png" {
		t.Fatalf("%s: not a PNG: %v", img.Name, err)
	}
	return cfg.Width, cfg.Height
}

func TestPipelineAndFunnelCharts(t *testing.T) {
	for _, managers := range []int{0, 3} { // 50 managers: bot/chart's own test
		t.Run(strconv.Itoa(managers), func(t *testing.T) {
			t.Parallel() // drawing is slow under the race detector; use every core
			h, _ := reportsHarness(t, managers, 2)
			r := h.say("/pipeline chart")
			if r.Image == nil || r.Image.Name != "pipeline.png" || !strings.HasPrefix(r.Text, "Pipeline, ") {
				t.Fatalf("reply %q %+v", r.Text, r.Image)
			}
			w, hh := pngSize(t, r.Image)
			if ww, wh := chart.PipelineSize(managers); w != ww || hh != wh {
				t.Errorf("pipeline chart %dx%d, want %dx%d", w, hh, ww, wh)
			}
			r = h.say("/conversion chart")
			w, hh = pngSize(t, r.Image)
			if ww, wh := chart.FunnelSize(); w != ww || hh != wh || r.Image.Name != "conversion.png" {
				t.Errorf("funnel %s %dx%d, want %dx%d", r.Image.Name, w, hh, ww, wh)
			}
		})
	}
}

var totalsRe = regexp.MustCompile(`Opened (\d+) · won (\d+) · lost (\d+)`)

// The conversion report counts what crm.ActivitySince counts (the head's digest).
func TestConversionAgreesWithActivitySince(t *testing.T) {
	h, _ := reportsHarness(t, 4, 10)
	r := h.say("/conversion 30d")
	m := totalsRe.FindStringSubmatch(r.Text)
	if m == nil {
		t.Fatalf("no totals in\n%s", r.Text)
	}
	a := storagetest.Activity(t, h.db, h.clock.t.AddDate(0, 0, -30), h.clock.t.Add(time.Second))
	if got := fmt.Sprintf("%s %s %s", m[1], m[2], m[3]); got != fmt.Sprintf("%d %d %d", a.Opened, a.Won, a.Lost) || a.Opened != 40 {
		t.Fatalf("conversion says %s, ActivitySince %d %d %d", got, a.Opened, a.Won, a.Lost)
	}
	if !strings.Contains(r.Text, "Lost: competitor 8") || !strings.Contains(r.Text, "Won of closed: 50% (8 of 16)") {
		t.Errorf("report:\n%s", r.Text)
	}
}

var totalRe = regexp.MustCompile(`Total: (\d+) open · (\d+) overdue`)

// A filtered pipeline counts what a walk over every interest finds.
func TestFilteredPipelineMatchesAFullWalk(t *testing.T) {
	h, _ := reportsHarness(t, 6, 12)
	h.clock.t = h.clock.t.AddDate(0, 0, 3) // some follow-ups are overdue now
	for _, tc := range []struct {
		args string
		keep func(in *crm.Interest, co *crm.Company) bool
	}{
		{"size:large", func(in *crm.Interest, co *crm.Company) bool { return co.Size == crm.SizeLarge }},
		{"segment:retail", func(in *crm.Interest, co *crm.Company) bool { return in.Segment == crm.SegmentRetail }},
		{"segment:corporate size:small", func(in *crm.Interest, co *crm.Company) bool {
			return in.Segment == crm.SegmentCorporate && co.Size == crm.SizeSmall
		}},
	} {
		var open, overdue int
		storagetest.EachInterest(t, h.db, func(in *crm.Interest, co *crm.Company) {
			if !in.Open() || !tc.keep(in, co) {
				return
			}
			open++
			if in.Next.Due.Before(h.clock.t) {
				overdue++
			}
		})
		r := h.say("/pipeline " + tc.args)
		m := totalRe.FindStringSubmatch(r.Text)
		if m == nil || m[1] != strconv.Itoa(open) || m[2] != strconv.Itoa(overdue) || open == 0 {
			t.Errorf("/pipeline %s: %q, want %d open, %d overdue", tc.args, m, open, overdue)
		}
	}
}

func TestExportAndMailingWriteFiles(t *testing.T) {
	h, opts := reportsHarness(t, 2, 3)
	r := h.say("/export")
	if !strings.Contains(r.Text, "6 interests") || !r.Private {
		t.Fatalf("/export: %q", r.Text)
	}
	dirs, _ := filepath.Glob(filepath.Join(opts.ExportDir, "crmbot-*"))
	if len(dirs) != 1 {
		t.Fatalf("export dirs %v", dirs)
	}
	for _, f := range []string{"companies.csv", "contacts.csv", "interests.csv", "interactions.csv", "users.csv"} {
		fi, err := os.Stat(filepath.Join(dirs[0], f))
		if err != nil || fi.Size() == 0 || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", f, fi, err)
		}
	}
	h.clock.t = h.clock.t.Add(time.Second)
	if r := h.say("/export json"); !strings.Contains(r.Text, ".json") {
		t.Fatalf("/export json: %q", r.Text)
	}
	if r := h.say("/export xml"); !strings.HasPrefix(r.Text, "Try:") {
		t.Fatalf("/export xml: %q", r.Text)
	}
	r = h.say("/mailing")
	if !strings.Contains(r.Text, "Mailing list: 6 contacts") || !strings.Contains(r.Text, "mailing-") {
		t.Fatalf("/mailing: %q", r.Text)
	}
}

// /backup copies the database while writers carry on; the copy opens and passes the
// consistency checks (bbolt's and crmbot's indexes).
func TestBackupUnderConcurrentWrites(t *testing.T) {
	h, opts := reportsHarness(t, 2, 2)
	ctx := context.Background()
	ana, err := h.svc.UserByName(ctx, "Manager 01")
	if err != nil {
		t.Fatal(err)
	}
	svc := crm.NewService(h.db, time.Now, crm.Config{})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := svc.CreateInterest(ctx, crm.Op{Actor: ana}, crm.NewInterest{ContactName: fmt.Sprintf("Busy %d", i), CompanyName: fmt.Sprintf("Busy Co %d", i)}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var replies []string
	for i := 0; i < 3; i++ {
		h.clock.t = h.clock.t.Add(time.Second)
		replies = append(replies, h.say("/backup").Text)
	}
	close(stop)
	wg.Wait()
	files, _ := filepath.Glob(filepath.Join(opts.BackupDir, "crmbot-*.db"))
	if len(files) != 3 {
		t.Fatalf("backups %v; replies %q", files, replies)
	}
	for _, f := range files {
		db, err := storage.Open(f, storage.Options{})
		if err != nil {
			t.Fatal(err)
		}
		problems, err := db.Verify(ctx)
		db.Close()
		if err != nil || len(problems) > 0 {
			t.Fatalf("%s: %v %v", f, err, problems)
		}
	}
	// Managers may not.
	out := h.eng.Handle(ctx, bot.Request{Identity: "console:nobody", Text: "/backup"})
	if len(out) != 1 || strings.Contains(out[0].Text, "Backup written") {
		t.Fatalf("a stranger: %+v", out)
	}
}

// A chart carries its report as text (Image.Alt), for a platform that cannot send
// the picture: the same text the command gives without "chart".
func TestChartsCarryTheReportAsText(t *testing.T) {
	h, _ := reportsHarness(t, 2, 3)
	for _, cmd := range []string{"/pipeline", "/conversion 30d"} {
		text := h.say(cmd).Text
		r := h.say(cmd + " chart")
		if r.Image == nil || r.Image.Alt != text || text == "" {
			t.Errorf("%s chart: alt %q, want %q", cmd, r.Image.Alt, text)
		}
	}
}
