package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BucketHealth is what doctor's page scan found in one top-level bucket.
type BucketHealth struct {
	Name string
	Keys int    // records read (nested buckets' records included)
	Err  string // "" when every page of the bucket was readable
}

// Diagnosis is the result of Scan.
type Diagnosis struct {
	// Problems are file-level findings (a bad meta page, a bad freelist).
	Problems []string
	Buckets  []BucketHealth
}

// Sound reports whether the scan found nothing wrong.
func (d *Diagnosis) Sound() bool {
	if len(d.Problems) > 0 {
		return false
	}
	for _, b := range d.Buckets {
		if b.Err != "" {
			return false
		}
	}
	return true
}

// Scan reads every page of every bucket with plain reads, never through bbolt, so a
// damaged file yields findings, not a crash. It reads each page at most a bounded
// number of times and stops at limit, so it always ends. A missing or empty file,
// or one whose meta pages are unusable, gives a *FileError.
//
// It takes the shared lock a read-only open takes, and refuses a file a running
// crmbot holds as in use: pages read while a writer commits are not one snapshot.
// (A live database is checked through a backup, which the admin socket streams.)
func Scan(path string, limit time.Duration) (*Diagnosis, error) {
	return walkFile(path, limit, true, nil)
}

// scanSmallLimit is the largest file Open scans page by page before bbolt sees it:
// about 0.1 s at most, and it catches damage below the root pages
// (a page pointing to itself would make bbolt loop forever), which Check cannot.
// Bigger files get Check only; doctor scans them in full.
const scanSmallLimit = 16 << 20

// scanSmall runs Scan on a file of at most scanSmallLimit bytes and refuses it when
// a bucket is unreadable. A scan cut short by the time limit is not taken as
// damage, since refusing a sound database is worse than opening it; reading more
// pages than the file holds is (a cycle).
func scanSmall(path string) error {
	fi, err := os.Stat(path)
	if err != nil || fi.Size() > scanSmallLimit {
		return nil
	}
	d, err := walkFile(path, 10*time.Second, false, nil) // the caller holds the lock
	if err != nil {
		return err
	}
	for _, p := range d.Problems {
		if strings.HasPrefix(p, "scan stopped") && strings.Contains(p, "time limit") {
			return nil // a slow disk, not a damaged file
		}
	}
	if len(d.Problems) > 0 {
		return damaged(path, "%s", d.Problems[0])
	}
	for _, b := range d.Buckets {
		if b.Err != "" {
			return damaged(path, "bucket %s: %s", b.Name, b.Err)
		}
	}
	return nil
}

// walkFile scans path; each readable record of each bucket goes to rec (when not
// nil) with the names of the buckets it is in, the top-level one first. With lock,
// it holds a shared lock on the file while it reads (see Scan); without, the caller
// holds one.
func walkFile(path string, limit time.Duration, lock bool, rec func(buckets [][]byte, k, v []byte) error) (*Diagnosis, error) {
	size, err := statFile(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	defer f.Close()
	if lock {
		unlock, err := lockShared(f, path)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	p, notes, err := openPager(path, f, size, true)
	if err != nil {
		return nil, err
	}
	d := &Diagnosis{Problems: notes}
	p.tolerant = true
	p.deadline = time.Now().Add(limit)
	// Every page once per tree it is in, plus slack: a sound file never comes near.
	p.budget = 2*int(p.meta.hwm) + 16
	if err := p.checkFreelist(); err != nil {
		d.Problems = append(d.Problems, "freelist: "+err.Error())
	}
	type top struct{ name, v []byte }
	var tops []top
	if err := p.walk(p.meta.root, nil, func(k, v []byte, bucket bool) error {
		if bucket {
			tops = append(tops, top{slices.Clone(k), slices.Clone(v)})
		}
		return nil
	}); err != nil {
		d.Problems = append(d.Problems, "root buckets: "+err.Error())
	}
	for _, e := range p.errs {
		d.Problems = append(d.Problems, "root buckets: "+e)
	}
	for _, t := range tops {
		p.errs = nil
		h := BucketHealth{Name: string(t.name)}
		err := p.walkBucket([][]byte{t.name}, t.v, func(bs [][]byte, k, v []byte) error {
			h.Keys++
			if rec != nil {
				return rec(bs, k, v)
			}
			return nil
		})
		if err != nil {
			p.errs = append(p.errs, err.Error())
		}
		if len(p.errs) > 0 {
			h.Err = p.errs[0]
			if len(p.errs) > 1 {
				h.Err += fmt.Sprintf(" (and %d more)", len(p.errs)-1)
			}
		}
		d.Buckets = append(d.Buckets, h)
		if errors.Is(err, errStop) {
			d.Problems = append(d.Problems, "scan stopped: "+err.Error())
			break
		}
	}
	return d, nil
}

// walkBucket visits every record of the bucket whose header is v, nested ones too.
func (p *pager) walkBucket(names [][]byte, v []byte, rec func([][]byte, []byte, []byte) error) error {
	root, inline, err := bucketRoot(v)
	if err != nil {
		return err
	}
	return p.walk(root, inline, func(k, v []byte, bucket bool) error {
		if bucket {
			err := p.walkBucket(append(slices.Clip(names), slices.Clone(k)), v, rec)
			if err != nil && (!p.tolerant || errors.Is(err, errStop)) {
				return err
			}
			if err != nil {
				p.errs = append(p.errs, err.Error())
			}
			return nil
		}
		return rec(names, k, v)
	})
}

// SalvagedBucket is what Salvage copied from one record bucket of the schema.
type SalvagedBucket struct {
	Name   string
	Copied int    // records written to the new file
	Err    string // why some or all of its records could not be read; "" when all were
	Lost   bool   // the bucket was not found at all: the page naming it is unreadable
}

// SalvageReport is the result of Salvage: the scan, and per record bucket of the
// schema what reached the new file. Index buckets are not listed: they are rebuilt.
type SalvageReport struct {
	Diagnosis *Diagnosis
	Buckets   []SalvagedBucket
}

// Complete reports whether every record bucket was read in full. A bucket that was
// not found counts as incomplete: nothing says it was empty.
func (r *SalvageReport) Complete() bool {
	for _, b := range r.Buckets {
		if b.Err != "" || b.Lost {
			return false
		}
	}
	return true
}

// Copied is the number of records written to the new file.
func (r *SalvageReport) Copied() int {
	n := 0
	for _, b := range r.Buckets {
		n += b.Copied
	}
	return n
}

// Salvage copies every readable record of the (possibly damaged) database at path
// into a new database at out, which must not exist, then rebuilds the indexes and
// counters there from the records. Index buckets are not copied: they are derived.
// It reports, per record bucket of the schema, what it copied and what it could not
// read, so that a salvage that recovered little never passes for a full one.
func Salvage(path, out string, limit time.Duration) (*SalvageReport, error) {
	if _, err := os.Lstat(out); err == nil {
		return nil, fmt.Errorf("salvage: %s exists; name a new file", out)
	}
	dst, err := Open(out, Options{})
	if err != nil {
		return nil, err
	}
	derived := func(name []byte) bool {
		is := func(b []byte) bool { return bytes.Equal(b, name) }
		return slices.ContainsFunc(indexBuckets, is) || slices.ContainsFunc(retiredBuckets, is)
	}
	decodes := func(name, k, v []byte) error {
		for _, ix := range indexers {
			if bytes.Equal(ix.records, name) {
				_, err := ix.entries(k, v)
				return err
			}
		}
		return nil
	}
	var d *Diagnosis
	skipped := map[string]int{}
	copied := map[string]int{}
	err = dst.bolt.Update(func(btx *bolt.Tx) error {
		d, err = walkFile(path, limit, true, func(names [][]byte, k, v []byte) error {
			if derived(names[0]) || (bytes.Equal(names[0], bucketMeta) && bytes.Equal(k, keySchemaVersion)) {
				return nil
			}
			if len(names) == 1 && decodes(names[0], k, v) != nil {
				skipped[string(names[0])]++ // a damaged record would break every index
				return nil
			}
			b, err := btx.CreateBucketIfNotExists(names[0])
			for _, n := range names[1:] {
				if err != nil {
					break
				}
				b, err = b.CreateBucketIfNotExists(n)
			}
			if err != nil {
				return err
			}
			copied[string(names[0])]++
			return b.Put(slices.Clone(k), slices.Clone(v))
		})
		return err
	})
	var r *SalvageReport
	if err == nil {
		for i, b := range d.Buckets {
			if n := skipped[b.Name]; n > 0 {
				d.Buckets[i].Keys -= n
				d.Buckets[i].Err = strings.TrimPrefix(d.Buckets[i].Err+fmt.Sprintf("; %d records do not decode and were left out", n), "; ")
			}
		}
		r = salvageReport(d, copied)
		err = dst.Rebuild(context.Background())
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out)
		return nil, fmt.Errorf("salvage into %s: %w", out, err)
	}
	return r, nil
}

// salvageReport lines the scan up against the schema's record buckets, so that a
// bucket the scan never reached is reported as lost rather than silently absent.
func salvageReport(d *Diagnosis, copied map[string]int) *SalvageReport {
	r := &SalvageReport{Diagnosis: d}
	for _, name := range recordBuckets {
		sb := SalvagedBucket{Name: string(name), Copied: copied[string(name)], Lost: true}
		for _, b := range d.Buckets {
			if b.Name == sb.Name {
				sb.Lost, sb.Err = false, b.Err
			}
		}
		r.Buckets = append(r.Buckets, sb)
	}
	return r
}

// Consistency runs bbolt's own consistency check (every page reachable exactly once
// or free, keys in order) and returns its findings, at most max of them. Run it only
// on a file Scan found sound: bbolt checks in a goroutine of its own, where a panic
// on a malformed page could not be recovered. It gives up after limit, so doctor
// always answers.
func (db *DB) Consistency(limit time.Duration, max int) []string {
	done := make(chan []string, 1)
	go func() {
		var out []string
		defer func() {
			if r := recover(); r != nil {
				out = append(out, fmt.Sprintf("bbolt: %v", r))
			}
			done <- out
		}()
		_ = db.bolt.View(func(btx *bolt.Tx) error {
			for err := range btx.Check() {
				if len(out) < max {
					out = append(out, err.Error())
				}
			}
			return nil
		})
	}()
	select {
	case out := <-done:
		return out
	case <-time.After(limit):
		return []string{fmt.Sprintf("bbolt's consistency check did not finish within %s", limit)}
	}
}
