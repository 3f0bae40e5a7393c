package crm

// What a backend's Records yields besides the domain's own types, so that a move from
// one backend to another (crmbot migrate) copies everything: one set of record types
// for every backend.

// IdempotencyRecord is one recorded idempotency key and its result.
type IdempotencyRecord struct{ Key, Result string }

// DialogRecord is one identity's dialogue state.
type DialogRecord struct {
	Identity Identity
	State    []byte
}

// SkipNoteRecord is the scheduler's note for one person.
type SkipNoteRecord struct {
	UserID uint64
	Note   *SkipNote
}
