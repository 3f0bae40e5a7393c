package crm

// CampaignStore is what seminar campaigns need from a transaction. It is part of Tx.
// There are few campaigns, so they are listed whole; a campaign's members are read
// together, in interest id order.
type CampaignStore interface {
	// PutCampaign stores c, assigning its id when it is 0.
	PutCampaign(c *Campaign) error
	// Campaign returns campaign id, ENOTFOUND if absent.
	Campaign(id uint64) (*Campaign, error)
	// Campaigns returns every campaign in id order.
	Campaigns() ([]*Campaign, error)
	// PutCampaignMember stores m under (m.CampaignID, m.InterestID).
	PutCampaignMember(m *CampaignMember) error
	// CampaignMember returns the member for interestID in campaign campaignID,
	// ENOTFOUND if absent.
	CampaignMember(campaignID, interestID uint64) (*CampaignMember, error)
	// CampaignMembers returns campaign campaignID's members in interest id order.
	CampaignMembers(campaignID uint64) ([]*CampaignMember, error)
}
