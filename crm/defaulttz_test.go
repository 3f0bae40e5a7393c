package crm_test

import (
	"context"
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage/storagetest"
)

// Users created without a zone get the configured default, not UTC.
func TestDefaultTZ(t *testing.T) {
	for _, tt := range []struct{ cfg, want string }{{"Europe/Zagreb", "Europe/Zagreb"}, {"", "UTC"}, {"Mars/Olympus", "UTC"}} {
		db := storagetest.Open(t)
		ctx := context.Background()
		svc := crm.NewService(db, func() time.Time { return time.Date(2026, 11, 25, 15, 4, 0, 0, time.UTC) }, crm.Config{DefaultTZ: tt.cfg})
		adm, err := svc.EnsureAdmin(ctx, "console:admin", "Admin")
		if err != nil {
			t.Fatal(err)
		}
		ana, err := svc.AddUser(ctx, crm.Op{Actor: adm}, "Ana", crm.RoleManager, crm.SegmentCorporate, "")
		if err != nil {
			t.Fatal(err)
		}
		if adm.TZ != tt.want || ana.TZ != tt.want {
			t.Errorf("DefaultTZ %q: admin in %q, Ana in %q; want %q", tt.cfg, adm.TZ, ana.TZ, tt.want)
		}
	}
}
