package crm

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Summary is an interest with the names needed to show it in a list.
type Summary struct {
	Interest *Interest
	Company  string
	Contact  string
	Owner    string
}

// Card is everything about one interest: the client card and its timeline (R9).
type Card struct {
	Summary
	CompanyRec *Company
	ContactRec *Contact
	Timeline   []*Interaction
	Authors    map[uint64]string
}

func summarize(tx Tx, in *Interest, names map[uint64]string) (*Summary, error) {
	sm := &Summary{Interest: in, Owner: names[in.OwnerID]}
	if c, err := tx.Company(in.CompanyID); err == nil {
		sm.Company = c.Name
	} else if ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	if c, err := tx.Contact(in.ContactID); err == nil {
		sm.Contact = c.FullName
	} else if ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	return sm, nil
}

func userNames(tx Tx) (map[uint64]string, error) {
	us, err := tx.Users()
	if err != nil {
		return nil, err
	}
	m := make(map[uint64]string, len(us))
	for _, u := range us {
		m[u.ID] = u.Name
	}
	return m, nil
}

// Card returns interest id with its client, contact and the latest limit timeline
// entries (all of them with limit <= 0).
func (s *Service) Card(ctx context.Context, viewer *User, id uint64, limit int) (*Card, error) {
	var card *Card
	err := s.view(ctx, func(tx Tx) error {
		in, err := tx.Interest(id)
		if err != nil {
			return err
		}
		if !CanSee(viewer, in, s.Config.ManagersSeeOwnOnly) {
			// Not "forbidden": a narrowed view must not even confirm the number exists.
			return Errorf(ENOTFOUND, "err.interest_not_found", id)
		}
		names, err := userNames(tx)
		if err != nil {
			return err
		}
		sm, err := summarize(tx, in, names)
		if err != nil {
			return err
		}
		card = &Card{Summary: *sm, Authors: names}
		if card.CompanyRec, err = tx.Company(in.CompanyID); err != nil {
			return err
		}
		if card.ContactRec, err = tx.Contact(in.ContactID); err != nil {
			return err
		}
		card.Timeline, err = tx.Timeline(in.ID, limit)
		return err
	})
	return card, err
}

// Find searches interests by number ("42", "#42"), contact name, company name, email
// or phone (prefix, case- and diacritics-insensitive). Open interests come first.
func (s *Service) Find(ctx context.Context, viewer *User, query string, limit int) ([]*Summary, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, Errorf(EINVALID, "err.empty_query")
	}
	if err := CheckLength(FieldSearchQuery, query); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 20
	}
	var out []*Summary
	err := s.view(ctx, func(tx Tx) error {
		names, err := userNames(tx)
		if err != nil {
			return err
		}
		seen := map[uint64]bool{}
		add := func(in *Interest) error {
			if seen[in.ID] || !CanSee(viewer, in, s.Config.ManagersSeeOwnOnly) {
				return nil
			}
			seen[in.ID] = true
			sm, err := summarize(tx, in, names)
			if err == nil {
				out = append(out, sm)
			}
			return err
		}
		if id, err := strconv.ParseUint(strings.TrimPrefix(query, "#"), 10, 64); err == nil && len(query) <= 8 {
			if in, err := tx.Interest(id); err == nil {
				if err := add(in); err != nil {
					return err
				}
			}
		}
		contacts, err := tx.FindContacts(query, limit)
		if err != nil {
			return err
		}
		for _, c := range contacts {
			ins, err := tx.InterestsByContact(c.ID, limit)
			if err != nil {
				return err
			}
			for _, in := range ins {
				if err := add(in); err != nil {
					return err
				}
			}
		}
		companies, err := tx.FindCompanies(query, limit)
		if err != nil {
			return err
		}
		for _, c := range companies {
			ins, err := tx.InterestsByCompany(c.ID, limit)
			if err != nil {
				return err
			}
			for _, in := range ins {
				if err := add(in); err != nil {
					return err
				}
			}
		}
		return nil
	})
	sort.SliceStable(out, func(a, b int) bool {
		oa, ob := out[a].Interest.Open(), out[b].Interest.Open()
		if oa != ob {
			return oa
		}
		return out[a].Interest.ID > out[b].Interest.ID
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

// My returns the actor's open interests, by stage.
func (s *Service) My(ctx context.Context, actor *User) ([]*Summary, error) {
	return s.list(ctx, func(tx Tx) ([]*Interest, error) { return tx.OpenInterests(actor.ID, "", 0) })
}

// Today returns the actor's follow-ups due by the end of their local day, overdue ones
// included, earliest first.
func (s *Service) Today(ctx context.Context, actor *User) ([]*Summary, error) {
	loc := actor.Location()
	n := s.Clock().In(loc)
	end := time.Date(n.Year(), n.Month(), n.Day()+1, 0, 0, 0, 0, loc)
	return s.list(ctx, func(tx Tx) ([]*Interest, error) { return tx.DueBefore(actor.ID, end, 0) })
}

func (s *Service) list(ctx context.Context, q func(Tx) ([]*Interest, error)) ([]*Summary, error) {
	var out []*Summary
	err := s.view(ctx, func(tx Tx) error {
		ins, err := q(tx)
		if err != nil {
			return err
		}
		names, err := userNames(tx)
		if err != nil {
			return err
		}
		for _, in := range ins {
			sm, err := summarize(tx, in, names)
			if err != nil {
				return err
			}
			out = append(out, sm)
		}
		return nil
	})
	return out, err
}
