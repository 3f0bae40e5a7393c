package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"crmbot/crm"
)

// interestEntries: by company and by contact always; while open, by owner and stage,
// by due time (when a next action is set) and by last activity, each both across
// owners and per owner.
func interestEntries(i *crm.Interest) []entry {
	id := u64(i.ID)
	es := make([]entry, 0, 8)
	es = append(es,
		entry{idxInterestCompany, key(u64(i.CompanyID), id), nil},
		entry{idxInterestContact, key(u64(i.ContactID), id), nil})
	if !i.Open() {
		return es
	}
	owner := u64(i.OwnerID)
	sb, _ := stageByte(i.Stage)
	es = append(es, entry{idxInterestOpen, key(owner, []byte{sb}, id), nil})
	if !i.Next.IsZero() {
		due := u64(timeKey(i.Next.Due))
		// The due lists are the hottest reads (every nudge, every digest), so these
		// two indexes cover them: each value holds a copy of the record, and a list
		// of 100 costs one cursor walk instead of 100 lookups in the interests bucket.
		// The global one starts with the owner, so CountDueBefore reads 8 bytes of
		// each value and decodes nothing.
		rec, _ := encodeBinary(i)
		es = append(es,
			entry{idxInterestDue, key(due, id), key(owner, rec)},
			entry{idxInterestOwnerDue, key(owner, due, id), rec})
	}
	last := u64(timeKey(i.LastActivityAt))
	es = append(es,
		entry{idxInterestIdle, key(last, id), nil},
		entry{idxInterestOwnIdle, key(owner, last, id), nil})
	return es
}

func (t *tx) Interest(id uint64) (*crm.Interest, error) {
	i, err := load[crm.Interest](t.btx, bucketInterests, id)
	if err == nil && i == nil {
		err = notFound("interest", id)
	}
	return i, err
}

// PutInterest stores i, its indexes, and moves it between pipeline cells.
func (t *tx) PutInterest(i *crm.Interest) error {
	if _, ok := stageByte(i.Stage); !ok {
		return crm.Errorf(crm.EINVALID, "err.bad_stage", string(i.Stage))
	}
	if err := nextID(t.btx.Bucket(bucketInterests), &i.ID); err != nil {
		return err
	}
	old, err := load[crm.Interest](t.btx, bucketInterests, i.ID)
	if err != nil {
		return err
	}
	var oldEntries []entry
	// The pipeline cell moves only when the owner, stage or value does.
	if old == nil || old.OwnerID != i.OwnerID || old.Stage != i.Stage || old.Value != i.Value {
		if old != nil {
			if err := t.addPipeline(old, -1); err != nil {
				return err
			}
		}
		if err := t.addPipeline(i, +1); err != nil {
			return err
		}
	}
	if old != nil {
		oldEntries = interestEntries(old)
	}
	if err := t.putFacets(old, i); err != nil {
		return err
	}
	if err := store(t.btx, bucketInterests, i.ID, i); err != nil {
		return err
	}
	return t.reindex(oldEntries, interestEntries(i))
}

// pipelineKey is owner | stage byte.
func pipelineKey(i *crm.Interest) []byte {
	sb, _ := stageByte(i.Stage)
	return key(u64(i.OwnerID), []byte{sb})
}

// addPipeline adds (sign × 1, sign × value) to i's owner × stage cell, deleting a
// cell that falls to zero so Pipeline lists only what exists.
func (t *tx) addPipeline(i *crm.Interest, sign int64) error {
	b := t.btx.Bucket(bucketPipeline)
	k := pipelineKey(i)
	count, value := decodeCell(b.Get(k))
	count += sign
	value += sign * i.Value
	if count == 0 {
		return b.Delete(k)
	}
	return b.Put(k, encodeCell(count, value))
}

func encodeCell(count, value int64) []byte {
	v := make([]byte, 16)
	binary.BigEndian.PutUint64(v, uint64(count))
	binary.BigEndian.PutUint64(v[8:], uint64(value))
	return v
}

func decodeCell(v []byte) (count, value int64) {
	if len(v) != 16 {
		return 0, 0
	}
	return int64(binary.BigEndian.Uint64(v)), int64(binary.BigEndian.Uint64(v[8:]))
}

func (t *tx) InterestsByCompany(companyID uint64, limit int) ([]*crm.Interest, error) {
	ids := scanIDs(t.btx.Bucket(idxInterestCompany), u64(companyID), limit)
	return loadIDs[crm.Interest](t.btx, bucketInterests, ids)
}

func (t *tx) InterestsByContact(contactID uint64, limit int) ([]*crm.Interest, error) {
	ids := scanIDs(t.btx.Bucket(idxInterestContact), u64(contactID), limit)
	return loadIDs[crm.Interest](t.btx, bucketInterests, ids)
}

func (t *tx) OpenInterests(ownerID uint64, stage crm.Stage, limit int) ([]*crm.Interest, error) {
	prefix := u64(ownerID)
	if stage != "" {
		sb, ok := stageByte(stage)
		if !ok || !stage.Open() {
			return nil, nil
		}
		prefix = append(prefix, sb)
	}
	ids := scanIDs(t.btx.Bucket(idxInterestOpen), prefix, limit)
	return loadIDs[crm.Interest](t.btx, bucketInterests, ids)
}

func (t *tx) DueBefore(ownerID uint64, before time.Time, limit int) ([]*crm.Interest, error) {
	return t.due(ownerID, time.Time{}, before, limit)
}

// due walks a covering due index from from (zero: the start) up to before.
func (t *tx) due(ownerID uint64, from, before time.Time, limit int) ([]*crm.Interest, error) {
	end := u64(timeKey(before))
	b, prefix, skip := t.btx.Bucket(idxInterestDue), []byte(nil), 8 // value: owner | record
	if ownerID != 0 {
		b, prefix, skip = t.btx.Bucket(idxInterestOwnerDue), u64(ownerID), 0 // value: record
	}
	// Collect the copies first (bolt's slices stay valid for the transaction), then
	// copy them all into one string that every decoded field is cut from, and decode
	// into one slab of structs: a page of results costs a few allocations, not two
	// per interest.
	var vals [][]byte
	c := b.Cursor()
	for k, v := c.Seek(key(prefix, u64(timeKey(from)))); hasPrefix(k, prefix); k, v = c.Next() {
		if bytes.Compare(k[len(prefix):len(prefix)+8], end) >= 0 || limit > 0 && len(vals) >= limit {
			break
		}
		if len(v) < skip+1 {
			return nil, fmt.Errorf("%s: short value under %x", idxInterestDue, k)
		}
		if vals == nil && limit > 0 {
			vals = make([][]byte, 0, min(limit, 1024))
		}
		vals = append(vals, v[skip:])
	}
	if len(vals) == 0 {
		return nil, nil
	}
	n := 0
	for _, v := range vals {
		n += len(v)
	}
	var sb strings.Builder
	sb.Grow(n)
	for _, v := range vals {
		sb.Write(v)
	}
	all := sb.String()
	out := make([]*crm.Interest, len(vals))
	slab := make([]crm.Interest, len(vals))
	off := 0
	for j, v := range vals {
		i := &slab[j]
		var err error
		switch v[0] {
		case binaryVersion, binaryVersionV2:
			_, err = decodeBinaryIn(v[1:], all[off+1:off+len(v)], v[0], i)
		default: // not binary (never written so): the general path
			err = decode(v, i)
		}
		if err != nil {
			return nil, fmt.Errorf("due index: the copy of interest %d: %w", i.ID, err)
		}
		off += len(v)
		out[j] = i
	}
	return out, nil
}

func (t *tx) IdleSince(ownerID uint64, before time.Time, limit int) ([]*crm.Interest, error) {
	end := u64(timeKey(before))
	b, prefix := t.btx.Bucket(idxInterestIdle), []byte(nil)
	if ownerID != 0 {
		b, prefix = t.btx.Bucket(idxInterestOwnIdle), u64(ownerID)
	}
	var ids []uint64
	c := b.Cursor()
	for k, _ := c.Seek(prefix); hasPrefix(k, prefix); k, _ = c.Next() {
		if bytes.Compare(k[len(prefix):len(prefix)+8], end) >= 0 {
			break
		}
		ids = append(ids, idAfter(k))
		if limit > 0 && len(ids) >= limit {
			break
		}
	}
	return loadIDs[crm.Interest](t.btx, bucketInterests, ids)
}

func (t *tx) CountDueBefore(before time.Time) (map[uint64]int, error) {
	end := u64(timeKey(before))
	counts := make(map[uint64]int)
	c := t.btx.Bucket(idxInterestDue).Cursor()
	for k, v := c.First(); k != nil && bytes.Compare(k[:8], end) < 0; k, v = c.Next() {
		if len(v) < 8 {
			return nil, fmt.Errorf("%s: short value under %x", idxInterestDue, k)
		}
		counts[getU64(v[:8])]++
	}
	return counts, nil
}

// Pipeline reads the counter cells, ordered by owner then stage (R3 order).
func (t *tx) Pipeline() ([]crm.PipelineCell, error) {
	var out []crm.PipelineCell
	err := t.btx.Bucket(bucketPipeline).ForEach(func(k, v []byte) error {
		if len(k) != 9 {
			return fmt.Errorf("pipeline: bad key %x", k)
		}
		count, value := decodeCell(v)
		out = append(out, crm.PipelineCell{OwnerID: getU64(k), Stage: stageOf(k[8]), Count: int(count), Value: value})
		return nil
	})
	return out, err
}

func (t *tx) ForEachInterest(fn func(*crm.Interest) error) error {
	return t.btx.Bucket(bucketInterests).ForEach(func(k, v []byte) error {
		i := new(crm.Interest)
		if err := decode(v, i); err != nil {
			return fmt.Errorf("interest %d: %w", getU64(k), err)
		}
		return fn(i)
	})
}
