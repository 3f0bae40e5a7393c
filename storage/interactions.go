package storage

import (
	"crmbot/crm"
)

// interactionEntries: interest | at | id, so a timeline is one prefix in time order.
func interactionEntries(it *crm.Interaction) []entry {
	return []entry{{idxInteraction, key(u64(it.InterestID), u64(timeKey(it.At)), u64(it.ID)), nil}}
}

// AddInteraction appends it to its interest's timeline. Interactions are never
// changed (R9 keeps the history as it happened), so there is no old index to remove.
func (t *tx) AddInteraction(it *crm.Interaction) error {
	b := t.btx.Bucket(bucketInteractions)
	if it.ID != 0 && b.Get(u64(it.ID)) != nil {
		return crm.Errorf(crm.ECONFLICT, "err.interaction_exists", it.ID)
	}
	if err := nextID(b, &it.ID); err != nil {
		return err
	}
	if err := store(t.btx, bucketInteractions, it.ID, it); err != nil {
		return err
	}
	return t.putEntries(interactionEntries(it))
}

func (t *tx) Timeline(interestID uint64, limit int) ([]*crm.Interaction, error) {
	ids := scanIDsLast(t.btx.Bucket(idxInteraction), u64(interestID), limit)
	return loadIDs[crm.Interaction](t.btx, bucketInteractions, ids)
}
