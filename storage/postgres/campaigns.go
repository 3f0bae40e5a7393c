package postgres

import (
	"encoding/json"
	"fmt"

	"crmbot/crm"
)

// PutCampaign implements crm.CampaignStore.
func (t *tx) PutCampaign(c *crm.Campaign) error { return t.putByID("campaigns", &c.ID, c) }

// Campaign implements crm.CampaignStore.
func (t *tx) Campaign(id uint64) (*crm.Campaign, error) {
	return getOne[crm.Campaign](t, notFound("campaign", id), `SELECT data FROM campaigns WHERE id = $1`, int64(id))
}

// Campaigns implements crm.CampaignStore.
func (t *tx) Campaigns() ([]*crm.Campaign, error) {
	return list[crm.Campaign](t, `SELECT data FROM campaigns ORDER BY id`)
}

// PutCampaignMember implements crm.CampaignStore.
func (t *tx) PutCampaignMember(m *crm.CampaignMember) error {
	if m.CampaignID == 0 || m.InterestID == 0 {
		return fmt.Errorf("campaign member without campaign or interest id")
	}
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("campaign member: %w", err)
	}
	_, err = t.q.Exec(t.ctx, `INSERT INTO campaign_members (campaign_id, interest_id, data) VALUES ($1, $2, $3)
		ON CONFLICT (campaign_id, interest_id) DO UPDATE SET data = EXCLUDED.data`, int64(m.CampaignID), int64(m.InterestID), data)
	return err
}

// CampaignMember implements crm.CampaignStore.
func (t *tx) CampaignMember(campaignID, interestID uint64) (*crm.CampaignMember, error) {
	return getOne[crm.CampaignMember](t, notFound("campaign member", interestID),
		`SELECT data FROM campaign_members WHERE campaign_id = $1 AND interest_id = $2`, int64(campaignID), int64(interestID))
}

// CampaignMembers implements crm.CampaignStore.
func (t *tx) CampaignMembers(campaignID uint64) ([]*crm.CampaignMember, error) {
	return list[crm.CampaignMember](t, `SELECT data FROM campaign_members WHERE campaign_id = $1 ORDER BY interest_id`, int64(campaignID))
}
