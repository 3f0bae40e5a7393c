package storage

import (
	"bytes"
	"fmt"

	"crmbot/crm"
)

// Seminar campaigns by id, and their members under campaign id | interest id, so one
// campaign's members are one range in interest order. Like the API's records, the
// buckets are made by the first write; reads treat a missing bucket as empty.
var (
	bucketCampaigns       = []byte("campaigns")
	bucketCampaignMembers = []byte("campaign_members")
)

// PutCampaign implements crm.CampaignStore.
func (t *tx) PutCampaign(c *crm.Campaign) error {
	b, err := t.writeBucket(bucketCampaigns)
	if err != nil {
		return err
	}
	if err := nextID(b, &c.ID); err != nil {
		return err
	}
	return store(t.btx, bucketCampaigns, c.ID, c)
}

// Campaign implements crm.CampaignStore.
func (t *tx) Campaign(id uint64) (*crm.Campaign, error) {
	if t.btx.Bucket(bucketCampaigns) == nil {
		return nil, notFound("campaign", id)
	}
	c, err := load[crm.Campaign](t.btx, bucketCampaigns, id)
	if err == nil && c == nil {
		err = notFound("campaign", id)
	}
	return c, err
}

// Campaigns implements crm.CampaignStore.
func (t *tx) Campaigns() ([]*crm.Campaign, error) {
	return listAll[crm.Campaign](t.btx, bucketCampaigns)
}

// PutCampaignMember implements crm.CampaignStore.
func (t *tx) PutCampaignMember(m *crm.CampaignMember) error {
	if m.CampaignID == 0 || m.InterestID == 0 {
		return fmt.Errorf("campaign member without campaign or interest id")
	}
	b, err := t.writeBucket(bucketCampaignMembers)
	if err != nil {
		return err
	}
	data, err := encode(m)
	if err != nil {
		return err
	}
	return b.Put(key(u64(m.CampaignID), u64(m.InterestID)), data)
}

// CampaignMember implements crm.CampaignStore.
func (t *tx) CampaignMember(campaignID, interestID uint64) (*crm.CampaignMember, error) {
	b := t.btx.Bucket(bucketCampaignMembers)
	var data []byte
	if b != nil {
		data = b.Get(key(u64(campaignID), u64(interestID)))
	}
	if data == nil {
		return nil, notFound("campaign member", interestID)
	}
	m := new(crm.CampaignMember)
	if err := decode(data, m); err != nil {
		return nil, fmt.Errorf("campaign member %d/%d: %w", campaignID, interestID, err)
	}
	return m, nil
}

// CampaignMembers implements crm.CampaignStore.
func (t *tx) CampaignMembers(campaignID uint64) ([]*crm.CampaignMember, error) {
	b := t.btx.Bucket(bucketCampaignMembers)
	if b == nil {
		return nil, nil
	}
	prefix := u64(campaignID)
	var out []*crm.CampaignMember
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		m := new(crm.CampaignMember)
		if err := decode(v, m); err != nil {
			return nil, fmt.Errorf("campaign member %x: %w", k, err)
		}
		out = append(out, m)
	}
	return out, nil
}
