package storage

import "crmbot/crm"

// ForEachInteraction calls fn for every interaction in id order: one sequential walk
// of the bucket, where a timeline per interest would seek once per interaction.
func (t *tx) ForEachInteraction(fn func(*crm.Interaction) error) error {
	return forEach(t, bucketInteractions, fn)
}
