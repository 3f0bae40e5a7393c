package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"time"
)

// This file reads a bbolt file with plain reads, never through bbolt's mmap: bbolt
// trusts the file, so a truncated one faults (SIGBUS, which recover cannot catch) and
// a bit-flipped one panics or loops. Check runs before every open; the page walker it
// uses also serves doctor's full scan and salvage, bounded in pages and time.
//
// The layout is bbolt's (v1.4, file format version 2), in the machine's byte order,
// little-endian on every platform crmbot ships for:
//
//	page header (16 bytes): id u64, flags u16, count u16, overflow u32
//	meta (after the header): magic u32, version u32, pageSize u32, flags u32,
//	    root bucket (root pgid u64, sequence u64), freelist pgid u64, high-water pgid u64,
//	    txid u64, checksum u64 (FNV-64a of the 56 bytes before it)
//	leaf element (16 bytes): flags u32, pos u32, ksize u32, vsize u32
//	branch element (16 bytes): pos u32, ksize u32, pgid u64
//	bucket value: root pgid u64, sequence u64, then the inline leaf page when root is 0
const (
	boltMagic       = 0xED0CDAED
	boltVersion     = 2
	pageHeaderSize  = 16
	elementSize     = 16
	metaChecksumLen = 56
	flagBranch      = 0x01
	flagLeaf        = 0x02
	flagMeta        = 0x04
	flagFreelist    = 0x10
	flagBucketLeaf  = 0x01
	noFreelist      = ^uint64(0)
)

var le = binary.LittleEndian

// errStop ends a tolerant walk at once (out of time or pages).
var errStop = errors.New("stopped")

// FileProblem says why a database file was refused.
type FileProblem int

// The problems a file can have before it is opened.
const (
	FileMissing    FileProblem = iota + 1 // the path does not exist
	FileEmpty                             // a 0-byte file
	FileDamaged                           // not a sound crmbot database
	FileNotRegular                        // a directory or device, not a file: a wrong path
)

// FileError is a database file refused before bbolt was allowed to touch it. Its
// message says what to do; ExitCode gives the command's exit status (2 for a wrong
// path, 3 for damage) so scripts can tell a typo from a disaster.
type FileError struct {
	Path    string
	Problem FileProblem
	What    string
}

func (e *FileError) Error() string {
	switch e.Problem {
	case FileMissing:
		return fmt.Sprintf("database %s does not exist; check --db or CRMBOT_DB (only crmbot chat and crmbot serve create a new database)", e.Path)
	case FileEmpty:
		return fmt.Sprintf("database %s is an empty file, not a crmbot database; check --db or CRMBOT_DB, or remove the file to start afresh", e.Path)
	case FileNotRegular:
		return fmt.Sprintf("database %s is a directory or special file, not a database file; check --db or CRMBOT_DB (name the .db file)", e.Path)
	}
	return fmt.Sprintf("database %s is damaged: %s; run crmbot doctor %s", e.Path, e.What, e.Path)
}

// ExitCode is 2 for a missing, empty or non-regular file (a wrong path) and 3 for
// a damaged one.
func (e *FileError) ExitCode() int {
	if e.Problem == FileDamaged {
		return 3
	}
	return 2
}

func damaged(path, format string, args ...any) *FileError {
	return &FileError{Path: path, Problem: FileDamaged, What: fmt.Sprintf(format, args...)}
}

// boltMeta is one decoded meta page.
type boltMeta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	hwm      uint64 // pages [0, hwm) are in use or free; the file must hold them all
	txid     uint64
}

// parseMeta decodes and validates the meta stored in page buf (header included).
func parseMeta(buf []byte) (boltMeta, error) {
	if len(buf) < pageHeaderSize+metaChecksumLen+8 {
		return boltMeta{}, errors.New("too short")
	}
	if le.Uint16(buf[8:])&flagMeta == 0 {
		return boltMeta{}, errors.New("not a meta page")
	}
	m := buf[pageHeaderSize:]
	if le.Uint32(m[0:]) != boltMagic {
		return boltMeta{}, errors.New("not a bbolt file (bad magic number)")
	}
	if v := le.Uint32(m[4:]); v != boltVersion {
		return boltMeta{}, fmt.Errorf("unknown bbolt format version %d", v)
	}
	h := fnv.New64a()
	h.Write(m[:metaChecksumLen])
	if h.Sum64() != le.Uint64(m[metaChecksumLen:]) {
		return boltMeta{}, errors.New("checksum mismatch")
	}
	bm := boltMeta{pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]),
		hwm: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}
	if bm.pageSize < 512 || bm.pageSize > 1<<16 || bm.pageSize&(bm.pageSize-1) != 0 {
		return boltMeta{}, fmt.Errorf("impossible page size %d", bm.pageSize)
	}
	if bm.hwm < 4 || bm.root < 2 || bm.root >= bm.hwm || (bm.freelist != noFreelist && (bm.freelist < 2 || bm.freelist >= bm.hwm)) {
		return boltMeta{}, fmt.Errorf("page ids out of range (root %d, freelist %d, %d pages)", bm.root, bm.freelist, bm.hwm)
	}
	return bm, nil
}

// pager reads pages of one file, within a page budget and a deadline, so that a
// corrupt tree (a cycle, a page claimed twice) ends in a finding instead of a hang.
type pager struct {
	r        io.ReaderAt
	size     int64
	meta     boltMeta
	budget   int // pages still allowed to be read
	deadline time.Time
	now      func() time.Time
	// tolerant makes walk record an unreadable subtree in errs and go on with its
	// siblings, for doctor and salvage, which want everything readable.
	tolerant bool
	errs     []string
}

// page returns page id with its overflow pages, after checking it lies in the file.
func (p *pager) page(id uint64) ([]byte, error) {
	if id < 2 || id >= p.meta.hwm {
		return nil, fmt.Errorf("page %d out of range (%d pages)", id, p.meta.hwm)
	}
	if p.budget--; p.budget < 0 {
		return nil, fmt.Errorf("more pages referenced than the file holds (a cycle?): %w", errStop)
	}
	if !p.deadline.IsZero() && p.now().After(p.deadline) {
		return nil, fmt.Errorf("time limit reached: %w", errStop)
	}
	ps := int64(p.meta.pageSize)
	hdr := make([]byte, pageHeaderSize)
	if _, err := p.r.ReadAt(hdr, int64(id)*ps); err != nil {
		return nil, fmt.Errorf("page %d: %w", id, err)
	}
	if got := le.Uint64(hdr); got != id {
		return nil, fmt.Errorf("page %d says it is page %d", id, got)
	}
	over := uint64(le.Uint32(hdr[12:]))
	if id+over >= p.meta.hwm {
		return nil, fmt.Errorf("page %d overflows past the last page", id)
	}
	buf := make([]byte, int64(over+1)*ps)
	if _, err := p.r.ReadAt(buf, int64(id)*ps); err != nil {
		return nil, fmt.Errorf("page %d: %w", id, err)
	}
	return buf, nil
}

// visitor gets every key/value of a tree; bucket is true for a nested bucket's
// header (whose contents the walker does not enter by itself).
type visitor func(k, v []byte, bucket bool) error

// walk visits the tree rooted at page root, or the inline page when root is 0.
func (p *pager) walk(root uint64, inline []byte, fn visitor) error {
	if root == 0 {
		return p.walkPage(inline, fn)
	}
	buf, err := p.page(root)
	if err != nil {
		return err
	}
	return p.walkPage(buf, fn)
}

func (p *pager) walkPage(buf []byte, fn visitor) error {
	if len(buf) < pageHeaderSize {
		return errors.New("truncated page")
	}
	flags, count := le.Uint16(buf[8:]), int(le.Uint16(buf[10:]))
	if pageHeaderSize+count*elementSize > len(buf) {
		return fmt.Errorf("page %d: %d elements do not fit", le.Uint64(buf), count)
	}
	field := func(off, pos, n uint64) ([]byte, error) {
		if off+pos+n > uint64(len(buf)) {
			return nil, fmt.Errorf("page %d: element points outside the page", le.Uint64(buf))
		}
		return buf[off+pos : off+pos+n], nil
	}
	switch flags {
	case flagLeaf:
		for i := range count {
			off := uint64(pageHeaderSize + i*elementSize)
			e := buf[off:]
			k, err := field(off, uint64(le.Uint32(e[4:])), uint64(le.Uint32(e[8:])))
			if err != nil {
				return err
			}
			v, err := field(off, uint64(le.Uint32(e[4:]))+uint64(len(k)), uint64(le.Uint32(e[12:])))
			if err != nil {
				return err
			}
			if err := fn(k, v, le.Uint32(e)&flagBucketLeaf != 0); err != nil {
				return err
			}
		}
	case flagBranch:
		for i := range count {
			e := buf[pageHeaderSize+i*elementSize:]
			if err := p.walk(le.Uint64(e[8:]), nil, fn); err != nil {
				if !p.tolerant || errors.Is(err, errStop) {
					return err
				}
				p.errs = append(p.errs, err.Error())
			}
		}
	default:
		return fmt.Errorf("page %d: unexpected page type %#x in a tree", le.Uint64(buf), flags)
	}
	return nil
}

// bucketRoot splits a nested bucket's value into its root page and inline page.
func bucketRoot(v []byte) (uint64, []byte, error) {
	if len(v) < 16 {
		return 0, nil, errors.New("bucket header too short")
	}
	root := le.Uint64(v)
	if root == 0 {
		return 0, v[16:], nil
	}
	return root, nil, nil
}

// openPager reads and validates the meta pages and the file's size. It picks the
// meta bbolt would pick: the valid one with the higher transaction id.
// A truncated file is refused, unless tolerant (doctor's scan), which reads what
// is there and reports the pages past the end as unreadable.
func openPager(path string, f *os.File, size int64, tolerant bool) (*pager, []string, error) {
	var notes []string
	first := make([]byte, 4096)
	n, _ := f.ReadAt(first, 0)
	first = first[:n]
	var metas []boltMeta
	m0, err0 := parseMeta(first)
	if err0 == nil {
		metas = append(metas, m0)
	} else {
		notes = append(notes, "meta page 0: "+err0.Error())
	}
	// Meta page 1 sits one page in; without a sound meta 0, try the usual sizes.
	sizes := []int64{4096, 8192, 16384, 65536, 512, 1024, 2048, 32768}
	if err0 == nil {
		sizes = []int64{int64(m0.pageSize)}
	}
	var err1 error = errors.New("not found")
	for _, ps := range sizes {
		buf := make([]byte, ps)
		if n, _ := f.ReadAt(buf, ps); n < pageHeaderSize+80 {
			continue
		}
		var m1 boltMeta
		if m1, err1 = parseMeta(buf); err1 == nil {
			metas = append(metas, m1)
			break
		}
	}
	if err1 != nil {
		notes = append(notes, "meta page 1: "+err1.Error())
	}
	if len(metas) == 0 {
		if size < 2*512 {
			return nil, notes, damaged(path, "%d bytes is too short to be a database", size)
		}
		return nil, notes, damaged(path, "both meta pages are invalid (%s; %s)", errText(err0), errText(err1))
	}
	m := metas[0]
	if len(metas) == 2 && metas[1].txid > m.txid {
		m = metas[1]
	}
	if need := int64(m.hwm) * int64(m.pageSize); size < need {
		fe := damaged(path, "the file is truncated: %d bytes, the database needs %d", size, need)
		if !tolerant {
			return nil, notes, fe
		}
		notes = append(notes, fe.What)
	}
	return &pager{r: f, size: size, meta: m, budget: int(m.hwm), now: time.Now}, notes, nil
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// statFile refuses a missing, empty or non-regular file.
func statFile(path string) (int64, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, &FileError{Path: path, Problem: FileMissing}
	}
	if err != nil {
		return 0, fmt.Errorf("database %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return 0, &FileError{Path: path, Problem: FileNotRegular}
	}
	if fi.Size() == 0 {
		return 0, &FileError{Path: path, Problem: FileEmpty}
	}
	return fi.Size(), nil
}

// requiredBuckets are the buckets every crmbot database has had since version 1.
var requiredBuckets = [][]byte{bucketMeta, bucketUsers, bucketInvites, bucketCompanies, bucketContacts,
	bucketInterests, bucketInteractions, bucketAudit, bucketIdempotency, bucketBlobs}

// Check is the fast structural check run before every open: the file exists and is
// not empty, a meta page is valid, the file holds every page the meta counts, the
// freelist is a freelist of pages in range, the root buckets are present with their
// root pages in range, and the schema version is one this crmbot reads. It reads a
// few pages, whatever the file's size. A refused file gives a *FileError.
func Check(path string) error {
	size, err := statFile(path)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("database %s: %w", path, err)
	}
	defer f.Close()
	p, _, err := openPager(path, f, size, false)
	if err != nil {
		return err
	}
	if err := p.checkFreelist(); err != nil {
		return damaged(path, "freelist: %v", err)
	}
	roots := map[string][]byte{}
	if err := p.walk(p.meta.root, nil, func(k, v []byte, bucket bool) error {
		if !bucket {
			return fmt.Errorf("a plain key %q among the root buckets", k)
		}
		roots[string(k)] = append([]byte(nil), v...)
		return nil
	}); err != nil {
		return damaged(path, "root buckets: %v", err)
	}
	for _, name := range requiredBuckets {
		if _, ok := roots[string(name)]; !ok {
			return damaged(path, "bucket %s is missing (is this a crmbot database?)", name)
		}
	}
	for name, v := range roots {
		root, inline, err := bucketRoot(v)
		if err == nil && root != 0 {
			var buf []byte
			if buf, err = p.page(root); err == nil {
				err = checkRootPage(p, root, buf)
			}
		}
		if err != nil {
			return damaged(path, "bucket %s: %v", name, err)
		}
		_ = inline
	}
	var version []byte
	root, inline, _ := bucketRoot(roots[string(bucketMeta)])
	if err := p.walk(root, inline, func(k, v []byte, bucket bool) error {
		if !bucket && bytes.Equal(k, keySchemaVersion) {
			version = append([]byte(nil), v...)
		}
		return nil
	}); err != nil {
		return damaged(path, "bucket meta: %v", err)
	}
	if len(version) != 8 {
		return damaged(path, "no schema version")
	}
	if v := getU64(version); v < 1 || v > schemaVersion {
		if v > schemaVersion {
			return fmt.Errorf("database %s has schema version %d, newer than this crmbot (%d): upgrade crmbot", path, v, schemaVersion)
		}
		return damaged(path, "impossible schema version %d", v)
	}
	return nil
}

// checkRootPage checks a bucket's root page: a leaf or a branch whose children
// are all pages of the file. One page per bucket keeps Check fast.
func checkRootPage(p *pager, id uint64, buf []byte) error {
	fl, count := le.Uint16(buf[8:]), int(le.Uint16(buf[10:]))
	if fl != flagLeaf && fl != flagBranch {
		return fmt.Errorf("root page %d has type %#x", id, fl)
	}
	if pageHeaderSize+count*elementSize > len(buf) {
		return fmt.Errorf("root page %d: %d elements do not fit", id, count)
	}
	if fl == flagBranch {
		for i := range count {
			if c := le.Uint64(buf[pageHeaderSize+i*elementSize+8:]); c < 2 || c >= p.meta.hwm {
				return fmt.Errorf("root page %d points to page %d, past the last page", id, c)
			}
		}
	}
	return nil
}

// checkFreelist reads the freelist page: the right type, every free page in range.
func (p *pager) checkFreelist() error {
	if p.meta.freelist == noFreelist {
		return nil
	}
	buf, err := p.page(p.meta.freelist)
	if err != nil {
		return err
	}
	if fl := le.Uint16(buf[8:]); fl != flagFreelist {
		return fmt.Errorf("page %d has type %#x, not a freelist", p.meta.freelist, fl)
	}
	count, start := uint64(le.Uint16(buf[10:])), uint64(pageHeaderSize)
	if count == 0xFFFF { // the real count is in the first slot
		if len(buf) < pageHeaderSize+8 {
			return errors.New("truncated")
		}
		count, start = le.Uint64(buf[pageHeaderSize:]), pageHeaderSize+8
	}
	if count > uint64(len(buf)-int(start))/8 {
		return fmt.Errorf("%d free pages do not fit in the freelist page", count)
	}
	for i := range count {
		if id := le.Uint64(buf[start+8*i:]); id < 2 || id >= p.meta.hwm {
			return fmt.Errorf("free page %d out of range (%d pages)", id, p.meta.hwm)
		}
	}
	return nil
}
