package storage_test

import (
	"testing"

	"crmbot/crm"
	"crmbot/storage/storagetest"
)

func TestCampaignStore(t *testing.T) {
	storagetest.RunCampaigns(t, func(t testing.TB) crm.Store { return storagetest.Open(t) })
}
