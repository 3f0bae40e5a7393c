package postgres_test

import (
	"testing"

	"crmbot/crm"
	"crmbot/storage/storagetest"
)

// Seminar campaigns pass the suite the file backend passes.
func TestCampaigns(t *testing.T) {
	storagetest.OnPostgres(t, func(t *testing.T) {
		storagetest.RunCampaigns(t, func(t testing.TB) crm.Store { return storagetest.OpenPostgres(t) })
	})
}
