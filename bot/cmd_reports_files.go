package bot

import (
	"cmp"
	"fmt"
	"io"
	"strings"

	"crmbot/crm"
	"crmbot/crm/exchange"
)

// ServerFiles writes the files /export, /mailing and /backup make on the server: bot
// does no file I/O of its own. cmd/crmbot hands over a serverfiles.Dirs (the export and
// backup directories) through Options.Reports.
type ServerFiles interface {
	// CanExport and CanBackup report whether the directories are configured.
	CanExport() bool
	CanBackup() bool
	// Export writes a new file in the export directory with fn; the path it wrote.
	Export(name string, fn func(io.Writer) error) (string, error)
	// ExportSet makes a new directory there, in which create makes new files.
	ExportSet(name string, fn func(create func(name string) (io.WriteCloser, error)) error) (string, error)
	// Backup copies the database into a new file in the backup directory.
	Backup(name string) (path string, size int64, err error)
}

// ReportOptions configure the commands that write files on the server.
type ReportOptions struct {
	// Files writes them; nil disables /export and /backup, and /mailing then answers
	// in the chat only.
	Files ServerFiles
}

// ---- /mailing -----------------------------------------------------------------------

// cmdMailing gives the mailing list (R8): contacts with an email who may be mailed,
// not-prospective clients included, those who opted out excluded.
func (c *conv) cmdMailing(args string) []Reply {
	if !c.u.IsLead() {
		return c.fail(crm.Errorf(crm.EFORBIDDEN, "err.lead_only"))
	}
	ra, err := c.parseReportArgs(args)
	if err == nil && (ra.period != nil || ra.num != "") {
		err = crm.Errorf(crm.EINVALID, "err.mailing_period", cmp.Or(ra.num, ra.periodWord))
	}
	if err != nil {
		return c.fail(err)
	}
	list, err := exchange.MailingList(c.ctx, c.e.svc, exchange.MailingFilter{Segment: ra.segment, Size: ra.size})
	if err != nil {
		return c.fail(err)
	}
	var b strings.Builder
	b.WriteString(c.t("mailing.title", len(list)))
	if f := c.filterText(ra); f != "" {
		b.WriteString("\n" + f)
	}
	const max = 30
	for i, r := range list {
		if i == max {
			b.WriteString("\n" + c.t("list.more", len(list)-max))
			break
		}
		b.WriteString("\n" + r.Contact.Email + " — " + r.Contact.FullName + ", " + r.Company.Name)
	}
	if fs := c.e.reports.Files; fs != nil && fs.CanExport() && len(list) > 0 {
		path, err := fs.Export("mailing-"+c.stamp()+".csv", func(w io.Writer) error { return exchange.WriteMailingCSV(w, list) })
		if err != nil {
			return c.fail(err)
		}
		b.WriteString("\n\n" + c.t("mailing.file", path))
	}
	return []Reply{{Text: b.String(), Private: true}}
}

// ---- /export and /backup ------------------------------------------------------------

// stamp names files by the time they were made, in UTC so that they sort.
func (c *conv) stamp() string { return c.now().UTC().Format("20060102-150405") }

// cmdExport writes the whole database as CSV files (or one JSON dump) in the export
// directory on the server; admins only. The files are not sent into the chat: a chat
// is no place for the whole client base.
func (c *conv) cmdExport(args string) []Reply {
	if c.u.Role != crm.RoleAdmin {
		return c.fail(crm.Errorf(crm.EFORBIDDEN, "err.admin_only"))
	}
	fs := c.e.reports.Files
	if fs == nil || !fs.CanExport() {
		return []Reply{{Text: c.t("export.disabled"), Private: true}}
	}
	format := strings.ToLower(strings.TrimSpace(args))
	var n exchange.Counts
	var path string
	var err error
	switch format {
	case "json":
		path, err = fs.Export("crmbot-"+c.stamp()+".json", func(w io.Writer) error {
			var err error
			n, err = exchange.ExportJSON(c.ctx, c.e.svc, w, nil)
			return err
		})
	case "", "csv":
		path, err = fs.ExportSet("crmbot-"+c.stamp(), func(create func(string) (io.WriteCloser, error)) error {
			var err error
			n, err = exchange.ExportCSV(c.ctx, c.e.svc, create, nil)
			return err
		})
	default:
		return []Reply{{Text: c.t("usage.export"), Private: true}}
	}
	if err != nil {
		return c.fail(fmt.Errorf("export: %w", err))
	}
	return []Reply{{Text: c.t("export.done", path, n.Companies, n.Contacts, n.Interests, n.Interactions), Private: true}}
}

// cmdBackup makes a consistent copy of the running database in the backup directory
// (bbolt's read transaction: writers carry on); admins only.
func (c *conv) cmdBackup(string) []Reply {
	if c.u.Role != crm.RoleAdmin {
		return c.fail(crm.Errorf(crm.EFORBIDDEN, "err.admin_only"))
	}
	fs := c.e.reports.Files
	if fs == nil || !fs.CanBackup() {
		return []Reply{{Text: c.t("backup.disabled"), Private: true}}
	}
	path, size, err := fs.Backup("crmbot-" + c.stamp() + ".db")
	if err != nil {
		return c.fail(fmt.Errorf("backup: %w", err))
	}
	return []Reply{{Text: c.t("backup.done", path, money(size)), Private: true}}
}
