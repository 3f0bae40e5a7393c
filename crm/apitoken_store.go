package crm

// APIStore is what the HTTP API's records need from a transaction. It is part of Tx.
type APIStore interface {
	// APITokens returns every API token, revoked ones too, in id order.
	APITokens() ([]*APIToken, error)
	// PutAPIToken stores t, assigning an id when t.ID is 0.
	PutAPIToken(t *APIToken) error
	// Webhooks returns every registered webhook in id order.
	Webhooks() ([]*Webhook, error)
	// PutWebhook stores w, assigning an id when w.ID is 0.
	PutWebhook(w *Webhook) error
	// DeleteWebhook deletes webhook id (nothing when absent).
	DeleteWebhook(id uint64) error
	// InquiryRouting returns the head's routing rules; empty when none was set.
	InquiryRouting() (*InquiryRouting, error)
	PutInquiryRouting(r *InquiryRouting) error
	// AuditAfter returns up to limit audit entries with an id greater than id, in id
	// (= time) order: the changes feed, resumed after the last entry a reader saw.
	AuditAfter(id uint64, limit int) ([]*AuditEntry, error)
}
