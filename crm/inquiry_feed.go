package crm

import (
	"context"
	"errors"
	"time"
)

// CompanyView is a client with its contacts and interests, as far as the viewer may see.
type CompanyView struct {
	Company   *Company
	Contacts  []*Contact
	Interests []*Interest
}

// CompanyCard returns company id with its contacts and the interests the viewer may
// see. In an own-only view, a company none of whose interests the viewer sees is
// ENOTFOUND, as an interest would be.
func (s *Service) CompanyCard(ctx context.Context, viewer *User, id uint64) (*CompanyView, error) {
	var out *CompanyView
	err := s.Store.View(ctx, func(tx Tx) error {
		co, err := tx.Company(id)
		if err != nil {
			return err
		}
		ins, err := tx.InterestsByCompany(id, 0)
		if err != nil {
			return err
		}
		v := &CompanyView{Company: co}
		for _, in := range ins {
			if CanSee(viewer, in, s.Config.ManagersSeeOwnOnly) {
				v.Interests = append(v.Interests, in)
			}
		}
		if s.Config.ManagersSeeOwnOnly && !viewer.IsLead() && len(v.Interests) == 0 {
			return Errorf(ENOTFOUND, "err.company_not_found", id)
		}
		if v.Contacts, err = tx.ContactsByCompany(id); err != nil {
			return err
		}
		out = v
		return nil
	})
	return out, err
}

// ChangePage is one page of the changes feed.
type ChangePage struct {
	Entries []*AuditEntry
	// Next is the cursor to resume after the last entry (the same as asked when the
	// page is empty).
	Next uint64
}

// MaxChangePage bounds one page of the feed.
const MaxChangePage = 1000

var errPageFull = errors.New("page full")

// Changes returns audit entries after cursor after (an entry id), or, with after 0 and
// since set, from the time since on: the audit log as a feed for other systems
// (heads and admins, who read the whole log).
func (s *Service) Changes(ctx context.Context, viewer *User, after uint64, since time.Time, limit int) (*ChangePage, error) {
	if viewer == nil || !viewer.IsLead() {
		return nil, Errorf(EFORBIDDEN, "err.routing_forbidden")
	}
	if limit <= 0 || limit > MaxChangePage {
		limit = MaxChangePage
	}
	page := &ChangePage{Next: after}
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		if after == 0 && !since.IsZero() {
			err = tx.AuditSince(since, func(e *AuditEntry) error {
				page.Entries = append(page.Entries, e)
				if len(page.Entries) >= limit {
					return errPageFull
				}
				return nil
			})
			if errors.Is(err, errPageFull) {
				err = nil
			}
		} else {
			page.Entries, err = tx.AuditAfter(after, limit)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if n := len(page.Entries); n > 0 {
		page.Next = page.Entries[n-1].ID
	}
	return page, nil
}
