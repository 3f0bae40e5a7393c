package exchange

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"crmbot/crm"
)

// DumpFormat names the JSON dump, and DumpVersion its layout; Restore refuses others.
const (
	DumpFormat  = "crmbot-dump"
	DumpVersion = 1
)

// Dump is the whole database as one JSON document: the team, companies, contacts,
// interests, every interaction (R9) and the audit log, with their ids, so that
// RestoreJSON rebuilds an identical database (conversion reports read the audit log).
// Dialogue state, settings blobs, the outbox and idempotency keys are working state,
// not data, and are not part of it.
type Dump struct {
	Format       string             `json:"format"`
	Version      int                `json:"version"`
	Users        []*crm.User        `json:"users"`
	Companies    []*crm.Company     `json:"companies"`
	Contacts     []*crm.Contact     `json:"contacts"`
	Interests    []*crm.Interest    `json:"interests"`
	Interactions []*crm.Interaction `json:"interactions"`
	Audit        []*crm.AuditEntry  `json:"audit"`
}

// ExportJSON writes the dump of one consistent snapshot to w. Records are written one
// per line as they are read, so a large database is never held in memory whole, and
// the same data always gives the same bytes. Interactions come in id order (the
// order they were recorded), read in one sequential walk.
func ExportJSON(ctx context.Context, src Source, w io.Writer, p Progress) (Counts, error) {
	var n Counts
	bw := bufio.NewWriterSize(w, 64<<10)
	err := src.Snapshot(ctx, func(tx crm.Records) error {
		fmt.Fprintf(bw, "{\"format\":%q,\"version\":%d", DumpFormat, DumpVersion)
		var buf []byte // reused by the interests' and interactions' encoders
		section := func(name string, count *int, walk func(emit func(v any) error) error) error {
			fmt.Fprintf(bw, ",\n%q:[", name)
			err := walk(func(v any) error {
				var b []byte
				var err error
				switch v := v.(type) {
				case *crm.Interaction:
					buf, err = appendInteractionJSON(buf[:0], v)
					b = buf
				case *crm.Interest:
					buf, err = appendInterestJSON(buf[:0], v)
					b = buf
				default:
					b, err = json.Marshal(v)
				}
				if err != nil {
					return err
				}
				if *count > 0 {
					bw.WriteByte(',')
				}
				bw.WriteString("\n")
				bw.Write(b)
				*count++
				p.tick(name, *count)
				return nil
			})
			bw.WriteString("]")
			p.done(name, *count)
			return err
		}
		if err := section("users", &n.Users, func(emit func(any) error) error {
			us, err := tx.Users()
			for _, u := range us {
				if err == nil {
					err = emit(u)
				}
			}
			return err
		}); err != nil {
			return err
		}
		if err := section("companies", &n.Companies, func(emit func(any) error) error {
			return tx.ForEachCompany(func(c *crm.Company) error { return emit(c) })
		}); err != nil {
			return err
		}
		if err := section("contacts", &n.Contacts, func(emit func(any) error) error {
			return tx.ForEachContact(func(c *crm.Contact) error { return emit(c) })
		}); err != nil {
			return err
		}
		if err := section("interests", &n.Interests, func(emit func(any) error) error {
			return tx.ForEachInterest(func(in *crm.Interest) error { return emit(in) })
		}); err != nil {
			return err
		}
		if err := section("interactions", &n.Interactions, func(emit func(any) error) error {
			return tx.ForEachInteraction(func(it *crm.Interaction) error { return emit(it) })
		}); err != nil {
			return err
		}
		if err := section("audit", &n.Audit, func(emit func(any) error) error {
			return tx.AuditSince(zeroTime, func(e *crm.AuditEntry) error { return emit(e) })
		}); err != nil {
			return err
		}
		bw.WriteString("\n}\n")
		return nil
	})
	if err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// RestoreJSON reads a dump written by ExportJSON and writes it, ids and all, into an
// empty database in one transaction: a broken or partial file changes nothing.
func RestoreJSON(ctx context.Context, st crm.Store, r io.Reader, p Progress) (Counts, error) {
	var d Dump
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return Counts{}, crm.Errorf(crm.EINVALID, "err.bad_dump", err.Error())
	}
	if d.Format != DumpFormat || d.Version != DumpVersion {
		return Counts{}, crm.Errorf(crm.EINVALID, "err.bad_dump", fmt.Sprintf("format %q version %d, want %q version %d", d.Format, d.Version, DumpFormat, DumpVersion))
	}
	var n Counts
	err := st.Update(ctx, func(tx crm.Tx) error {
		n = Counts{}
		if err := checkEmpty(tx); err != nil {
			return err
		}
		return restore(tx, &d, &n, p)
	})
	return n, err
}

// restore writes the records of d in dependency order, keeping their ids.
func restore(tx crm.Tx, d *Dump, n *Counts, p Progress) error {
	for _, u := range d.Users {
		if err := nonZero("user", u.ID); err != nil {
			return err
		}
		if err := tx.PutUser(u); err != nil {
			return err
		}
		n.Users++
	}
	for _, c := range d.Companies {
		if err := nonZero("company", c.ID); err != nil {
			return err
		}
		if err := tx.PutCompany(c); err != nil {
			return err
		}
		n.Companies++
		p.tick("companies", n.Companies)
	}
	for _, c := range d.Contacts {
		if err := nonZero("contact", c.ID); err != nil {
			return err
		}
		if err := tx.PutContact(c); err != nil {
			return err
		}
		n.Contacts++
		p.tick("contacts", n.Contacts)
	}
	for _, in := range d.Interests {
		if err := nonZero("interest", in.ID); err != nil {
			return err
		}
		if err := tx.PutInterest(in); err != nil {
			return err
		}
		n.Interests++
		p.tick("interests", n.Interests)
	}
	for _, it := range d.Interactions {
		if err := nonZero("interaction", it.ID); err != nil {
			return err
		}
		if err := tx.AddInteraction(it); err != nil {
			return err
		}
		n.Interactions++
		p.tick("interactions", n.Interactions)
	}
	for _, e := range d.Audit {
		if err := nonZero("audit entry", e.ID); err != nil {
			return err
		}
		if err := tx.AddAudit(e); err != nil {
			return err
		}
		n.Audit++
	}
	p.done("records", n.Users+n.Companies+n.Contacts+n.Interests+n.Interactions+n.Audit)
	return nil
}

// nonZero refuses a record without an id: a restore keeps ids, and an id of 0 would be
// given the next free one and break the references to it.
func nonZero(what string, id uint64) error {
	if id == 0 {
		return crm.Errorf(crm.EINVALID, "err.bad_dump", what+" without an id")
	}
	return nil
}
