package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"crmbot/crm"
)

// Record buckets: one per entity, keyed by the entity's id (big-endian uint64, so a
// cursor walks them in creation order) or, for invites and idempotency, by their code.
var (
	bucketMeta         = []byte("meta")
	bucketUsers        = []byte("users")
	bucketInvites      = []byte("invites")
	bucketCompanies    = []byte("companies")
	bucketContacts     = []byte("contacts")
	bucketInterests    = []byte("interests")
	bucketInteractions = []byte("interactions")
	bucketAudit        = []byte("audit")
	bucketIdempotency  = []byte("idempotency")
	bucketBlobs        = []byte("blobs")
)

// Index buckets hold only keys derived from the records above. They can be dropped and
// rebuilt at any time (Rebuild), which is why they are kept apart from the records.
var (
	idxUserIdentity     = []byte("idx_user_identity")    // identity → user id
	idxCompanyName      = []byte("idx_company_name")     // folded full name \0 id
	idxCompanyWord      = []byte("idx_company_word")     // name word \0 id
	idxCompanyOIB       = []byte("idx_company_oib")      // OIB (11 digits) | id
	idxContactCompany   = []byte("idx_contact_company")  // company id | id
	idxContactTerm      = []byte("idx_contact_term")     // kind byte, term \0 id (also the email and phone duplicate checks)
	idxInterestCompany  = []byte("idx_interest_company") // company id | id
	idxInterestContact  = []byte("idx_interest_contact") // contact id | id
	idxInterestOpen     = []byte("idx_interest_open")    // owner | stage byte | id (open only)
	idxInterestDue      = []byte("idx_interest_due")     // due | id → owner | record (open with next action)
	idxInterestOwnerDue = []byte("idx_interest_owndue")  // owner | due | id → record
	idxInterestIdle     = []byte("idx_interest_idle")    // last activity | id (open only)
	idxInterestOwnIdle  = []byte("idx_interest_ownidle") // owner | last activity | id
	idxInteraction      = []byte("idx_interaction")      // interest id | at | id
	idxAuditEntity      = []byte("idx_audit_entity")     // entity \0 entity id | id
	idxIdempotencyTime  = []byte("idx_idempotency_time") // at | key
	bucketPipeline      = []byte("pipeline")             // owner | stage byte → count, value
)

// retiredBuckets are index buckets of earlier schemas, dropped by a migration: the
// email and phone duplicate checks read the contact term index since version 4, so a
// contact write touches two trees fewer. Salvage leaves them out like any index.
var retiredBuckets = [][]byte{[]byte("idx_contact_email"), []byte("idx_contact_phone")}

// recordBuckets and indexBuckets list every top-level bucket Open creates.
var (
	recordBuckets = [][]byte{bucketMeta, bucketUsers, bucketInvites, bucketCompanies, bucketContacts, bucketOutbox,
		bucketInterests, bucketInteractions, bucketAudit, bucketIdempotency, bucketBlobs, bucketScheduler,
		bucketInbox, bucketInboxSeen, bucketInboxCursor, bucketDialogs, bucketSettings}
	indexBuckets = [][]byte{idxOutboxPending, idxOutboxCreated, idxUserIdentity, idxCompanyName, idxCompanyWord, idxCompanyOIB,
		idxContactCompany, idxContactTerm, idxInterestCompany, idxInterestContact,
		idxInterestOpen, idxInterestDue, idxInterestOwnerDue, idxInterestIdle, idxInterestOwnIdle,
		idxInteraction, idxAuditEntity, idxIdempotencyTime, bucketPipeline, idxInboxSeenAt}
)

// Term kinds in idxContactTerm, so that one bucket serves the three kinds of contact
// search without a name word ever matching an email prefix.
const (
	termName  = 'n'
	termEmail = 'e'
	termPhone = 'p'
)

// sep ends a variable-length string inside a composite key, so that "acme" does not
// run into the id that follows it and "acme" \0 sorts before "acmex".
const sep = 0

// recordVersion prefixes every JSON-encoded value, binaryVersion (codec.go) every
// binary one, so that decode and later migrations can tell the encodings apart.
const recordVersion = 1

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func getU64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

// key concatenates parts into a new slice.
func key(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	k := make([]byte, 0, n)
	for _, p := range parts {
		k = append(k, p...)
	}
	return k
}

// strKey is s followed by the separator: the prefix of every key for s.
func strKey(s string) []byte {
	k := make([]byte, 0, len(s)+1)
	k = append(k, s...)
	return append(k, sep)
}

// timeKey encodes t so that byte order is time order: UnixNano with the sign bit
// flipped (times before 1970 still sort first). The zero time encodes as 0, the
// smallest key.
func timeKey(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	return uint64(t.UnixNano()) ^ (1 << 63)
}

// stageByte is the stage's position in crm.Stages, so index keys sort stages in path
// order (R3) rather than alphabetically.
func stageByte(s crm.Stage) (byte, bool) {
	for i, x := range crm.Stages {
		if x == s {
			return byte(i), true
		}
	}
	return 0, false
}

func stageOf(b byte) crm.Stage {
	if int(b) < len(crm.Stages) {
		return crm.Stages[b]
	}
	return crm.Stage(fmt.Sprintf("stage-%d", b))
}

// encode returns v as a versioned record: one version byte, then the binary form
// (see codec.go) or, for types without one, JSON.
func encode(v any) ([]byte, error) {
	if b, ok := encodeBinary(v); ok {
		return b, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	out := make([]byte, 0, len(b)+1)
	out = append(out, recordVersion)
	return append(out, b...), nil
}

// decode reads a versioned record into v.
func decode(data []byte, v any) error {
	if len(data) == 0 {
		return fmt.Errorf("decode %T: empty record", v)
	}
	switch data[0] {
	case recordVersion:
		if err := json.Unmarshal(data[1:], v); err != nil {
			return fmt.Errorf("decode %T: %w", v, err)
		}
		return nil
	case binaryVersion, binaryVersionV3, binaryVersionV2:
		ok, err := decodeBinary(data[1:], data[0], v)
		if !ok {
			return fmt.Errorf("decode %T: no binary form", v)
		}
		if err != nil {
			return fmt.Errorf("decode %T: %w", v, err)
		}
		return nil
	}
	return fmt.Errorf("decode %T: unknown record version %d", v, data[0])
}

// hasPrefix reports whether k starts with p (nil k ends a cursor walk).
func hasPrefix(k, p []byte) bool { return k != nil && bytes.HasPrefix(k, p) }

// idAfter returns the trailing 8-byte id of an index key.
func idAfter(k []byte) uint64 { return getU64(k[len(k)-8:]) }
