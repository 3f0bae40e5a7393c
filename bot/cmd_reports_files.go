package bot

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"crmbot/crm"
	"crmbot/crm/exchange"
)

// Backupper makes a consistent copy of the whole database, while it is in use, into a
// new file; (*storage.DB).BackupFile satisfies it. The engine does not know the
// storage, so cmd/crmbot hands it over through Options.Reports.
type Backupper interface {
	BackupFile(path string) (int64, error)
}

// ReportOptions configure the commands that write files on the server.
type ReportOptions struct {
	// Backup copies the database for /backup; nil disables it.
	Backup Backupper
	// BackupDir is where /backup writes (CRMBOT_BACKUP_DIR); "" disables /backup.
	BackupDir string
	// ExportDir is where /export and /mailing write their files (CRMBOT_EXPORT_DIR);
	// "" disables /export, and /mailing then answers in the chat only.
	ExportDir string
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
	if dir := c.e.reports.ExportDir; dir != "" && len(list) > 0 {
		path, err := c.writeFile(dir, "mailing-"+c.stamp()+".csv", func(w io.Writer) error { return exchange.WriteMailingCSV(w, list) })
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

// writeFile writes a new file in dir (made if missing) with WriteNewFile.
func (c *conv) writeFile(dir, name string, fn func(io.Writer) error) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	if err := WriteNewFile(path, fn); err != nil {
		return "", err
	}
	return path, nil
}

// WriteNewFile writes a new file with fn: mode 0600 (exports hold client data), never
// over an existing file, and a failed write — including a failed close, where a full
// disk shows — leaves no partial file behind.
func WriteNewFile(path string, fn func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	err = fn(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// cmdExport writes the whole database as CSV files (or one JSON dump) in the export
// directory on the server; admins only. The files are not sent into the chat: a chat
// is no place for the whole client base.
func (c *conv) cmdExport(args string) []Reply {
	if c.u.Role != crm.RoleAdmin {
		return c.fail(crm.Errorf(crm.EFORBIDDEN, "err.admin_only"))
	}
	dir := c.e.reports.ExportDir
	if dir == "" {
		return []Reply{{Text: c.t("export.disabled"), Private: true}}
	}
	format := strings.ToLower(strings.TrimSpace(args))
	var n exchange.Counts
	var path string
	var err error
	switch format {
	case "json":
		path, err = c.writeFile(dir, "crmbot-"+c.stamp()+".json", func(w io.Writer) error {
			var err error
			n, err = exchange.ExportJSON(c.ctx, c.e.svc, w, nil)
			return err
		})
	case "", "csv":
		path = filepath.Join(dir, "crmbot-"+c.stamp())
		if err = os.MkdirAll(dir, 0o700); err == nil {
			err = os.Mkdir(path, 0o700)
		}
		if err == nil {
			n, err = exchange.ExportCSV(c.ctx, c.e.svc, func(name string) (io.WriteCloser, error) {
				return os.OpenFile(filepath.Join(path, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
			}, nil)
		}
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
	opts := c.e.reports
	if opts.Backup == nil || opts.BackupDir == "" {
		return []Reply{{Text: c.t("backup.disabled"), Private: true}}
	}
	if err := os.MkdirAll(opts.BackupDir, 0o700); err != nil {
		return c.fail(fmt.Errorf("backup: %w", err))
	}
	path := filepath.Join(opts.BackupDir, "crmbot-"+c.stamp()+".db")
	size, err := opts.Backup.BackupFile(path)
	if err != nil {
		return c.fail(fmt.Errorf("backup: %w", err))
	}
	return []Reply{{Text: c.t("backup.done", path, money(size)), Private: true}}
}
