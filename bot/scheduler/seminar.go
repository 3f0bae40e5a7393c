package scheduler

import (
	"context"
	"time"

	"crmbot/crm"
)

// scanSeminarEmails queues the seminar invitations due now (after a logged call, or
// after the campaign's working days without one) for the SMTP sender. Without one
// (no CRMBOT_SMTP_URL) nothing is queued: the invitations wait for a head to take the
// list with /seminar N emails.
func (s *Scheduler) scanSeminarEmails(ctx context.Context, now time.Time) (int, error) {
	s.mu.Lock()
	n := s.notifiers[crm.EmailPlatform]
	s.mu.Unlock()
	if n == nil {
		return 0, nil
	}
	return s.svc.QueueCampaignEmails(ctx, now, s.e)
}
