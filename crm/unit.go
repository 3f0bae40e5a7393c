package crm

import (
	"context"
	"errors"
	"fmt"
)

// MessageMeta says which message a unit of work handles.
type MessageMeta struct {
	// Identity is who wrote: their user and dialogue are loaded for the unit.
	Identity Identity
	// Key is the idempotency key the message's result is kept under, so that a
	// redelivery is answered from it instead of acting twice ("" for none).
	Key string
	// Detached runs the handling without holding the unit's read transaction: for a
	// command that opens transactions of its own without a context (a hot backup),
	// which would wait on a writer that waits on the held transaction.
	Detached bool
	// Writes says the message is expected to write (a command that changes data or
	// opens a dialogue): it skips the read-only first run and starts in the write
	// transaction, which is rolled back, unwritten, if nothing changed after all.
	Writes bool
}

// MessageUnit is what the handling of one message reads (its user, the result kept
// for its key, its dialogue) and what it leaves to be stored with its changes (the
// dialogue and the result).
type MessageUnit struct {
	meta     MessageMeta
	user     *User
	authErr  error
	replayed bool
	stored   string
	dialog   []byte

	dialogSet bool
	newDialog []byte
	remember  bool
	result    string
	audits    []*AuditEntry // refusals to record with the result (see refused)
}

// User is the team member behind the message's identity, or an EUNAUTHORIZED error
// for a stranger (or a disabled member).
func (u *MessageUnit) User() (*User, error) { return u.user, u.authErr }

// Replay returns the result kept for the message's key, when the message was
// already handled.
func (u *MessageUnit) Replay() (string, bool) { return u.stored, u.replayed }

// Dialog is the identity's stored dialogue state, nil when none.
func (u *MessageUnit) Dialog() []byte { return u.dialog }

// SetDialog replaces the identity's dialogue state (nil deletes it). It is stored
// with the message's changes; a message that changes nothing else costs one write.
func (u *MessageUnit) SetDialog(b []byte) { u.dialogSet, u.newDialog = true, b }

// Remember keeps result under the message's key when the message writes anything. A
// read-only message keeps nothing: repeating it is harmless.
func (u *MessageUnit) Remember(result string) { u.remember, u.result = true, result }

// load reads what the handling needs, in the unit's first transaction.
func (u *MessageUnit) load(tx Tx) error {
	var err error
	u.user, err = tx.UserByIdentity(u.meta.Identity)
	switch {
	case ErrorCode(err) == ENOTFOUND || err == nil && u.user.Disabled:
		u.user, u.authErr = nil, Errorf(EUNAUTHORIZED, "err.unknown_identity", string(u.meta.Identity))
	case err != nil:
		return err
	}
	if u.meta.Key != "" {
		if u.stored, u.replayed, err = tx.Idempotency(u.meta.Key); err != nil {
			return err
		}
	}
	if u.user != nil {
		if u.dialog, err = tx.Dialog(u.meta.Identity); err != nil {
			return err
		}
	}
	return nil
}

// save writes what the handling left: refusals, the dialogue, the result and the inbox
// mark.
func (u *MessageUnit) save(tx Tx) error {
	for _, a := range u.audits {
		e := *a // a re-run (group commit) must not see the id a failed attempt assigned
		if err := tx.AddAudit(&e); err != nil {
			return err
		}
	}
	if u.dialogSet {
		var err error
		if u.newDialog == nil {
			err = tx.DeleteDialog(u.meta.Identity)
		} else {
			err = tx.PutDialog(u.meta.Identity, u.newDialog)
		}
		if err != nil {
			return err
		}
	}
	if u.remember && u.meta.Key != "" {
		if err := tx.SetIdempotency(u.meta.Key, u.result); err != nil {
			return err
		}
	}
	return nil
}

// dirty reports whether the handling left anything to store.
func (u *MessageUnit) dirty() bool { return u.dialogSet || len(u.audits) > 0 }

// unitMode is how Service methods called inside a unit reach the store.
type unitMode int

const (
	// modeRead: reads use the unit's read transaction; the first write aborts the
	// handling (needWrite) so that it is run again in modeWrite.
	modeRead unitMode = iota + 1
	// modeWrite: reads and writes use the unit's one write transaction.
	modeWrite
	// modeDirect: each Service call opens its own transaction, as outside a unit;
	// the fallback after a Service method failed inside a write (see Message).
	modeDirect
)

// unitState is the unit carried in the context to the Service methods a handler calls.
type unitState struct {
	svc    *Service
	mode   unitMode
	tx     Tx
	msg    *MessageUnit
	failed bool // a Service write failed: the transaction may hold part of it
	wrote  bool // a Service write was made (modeWrite) or committed (modeDirect)
}

type unitKey struct{}

// writeTx is the unit's write transaction as a Service write sees it.
func (st *unitState) writeTx() Tx { return unitTx{Tx: st.tx, keyed: st.msg.meta.Key != ""} }

// needWrite is the panic that stops a read-only run at its first write.
type needWrite struct{}

// errRollback makes the store roll the unit's write back (a Service write failed).
var errRollback = errors.New("crm: unit rolled back after a failed write")

// unitOf returns the unit of s carried by ctx, nil when none.
func (s *Service) unitOf(ctx context.Context) *unitState {
	st, _ := ctx.Value(unitKey{}).(*unitState)
	if st == nil || st.svc != s {
		return nil
	}
	return st
}

// view runs fn in the unit's transaction when ctx carries one, else in its own
// read-only transaction.
func (s *Service) view(ctx context.Context, fn func(Tx) error) error {
	if st := s.unitOf(ctx); st != nil && st.tx != nil {
		return fn(st.tx)
	}
	return s.Store.View(context.WithValue(ctx, unitKey{}, nil), fn)
}

// update runs fn in the unit's write transaction when ctx carries one, else in its own
// read-write transaction. In a unit's read-only run it stops the handling so that the
// message runs again, whole, in one write.
func (s *Service) update(ctx context.Context, fn func(Tx) error) error {
	st := s.unitOf(ctx)
	if st == nil {
		return s.Store.Update(ctx, fn)
	}
	if st.mode == modeDirect {
		err := s.Store.Update(context.WithValue(ctx, unitKey{}, nil), fn)
		st.wrote = st.wrote || err == nil
		return err
	}
	if st.mode == modeRead {
		panic(needWrite{})
	}
	if err := fn(st.writeTx()); err != nil {
		// No savepoints: whatever fn wrote before failing is in the transaction.
		// Message rolls the unit back and runs the message again the old way.
		st.failed = true
		return err
	}
	st.wrote = true
	return nil
}

// unitStore is the Service's Store as code outside crm still reaches it
// (Service.Store): a View or Update called with a message's context joins the
// message's unit of work, as a Service method does, rather than opening a second
// transaction in the same goroutine (with bbolt, a second read waits on a writer that
// waits on the first).
type unitStore struct{ Store }

func (u unitStore) View(ctx context.Context, fn func(Tx) error) error {
	if tx, ok := joinTx(ctx, false); ok {
		return fn(tx)
	}
	return u.Store.View(ctx, fn)
}

func (u unitStore) Update(ctx context.Context, fn func(Tx) error) error {
	if tx, ok := joinTx(ctx, true); ok {
		st := ctx.Value(unitKey{}).(*unitState)
		if err := fn(tx); err != nil {
			st.failed = true // as in Service.update
			return err
		}
		st.wrote = true
		return nil
	}
	return u.Store.Update(ctx, fn)
}

// joinTx returns the transaction of the message's unit of work carried by ctx. ok is
// false outside a unit or when the unit runs each call in its own transaction. For a
// write (write true) in a unit's read-only run, it stops the handling so the message
// runs again in one write, as a Service write would.
func joinTx(ctx context.Context, write bool) (tx Tx, ok bool) {
	st, _ := ctx.Value(unitKey{}).(*unitState)
	if st == nil || st.tx == nil {
		return nil, false
	}
	if write {
		if st.mode == modeRead {
			panic(needWrite{})
		}
		return st.writeTx(), true
	}
	return st.tx, true
}

// unitTx is the unit's write transaction as Service methods see it: the message's
// result is kept under the message's key, so the per-operation keys (Op.Key) that
// protect a write made in a transaction of its own are not needed.
type unitTx struct {
	Tx
	keyed bool // the message has a key of its own
}

// remember records id under op.Key, except inside a unit with a key of its own,
// whose one record covers it.
func remember(tx Tx, op Op, id uint64) error {
	if ut, ok := tx.(unitTx); ok && ut.keyed || op.Key == "" {
		return nil
	}
	return tx.SetIdempotency(op.Key, formatID(id))
}

// Message handles one message as a unit of work: authentication, the replay check and
// the dialogue are read in one read-only transaction, in which fn runs first, its
// Service calls reading from the same transaction. A message that reads only ends
// there, having written nothing. When fn calls a Service method that writes, the run
// is abandoned and fn runs again inside one write transaction, in which every
// Service write, the dialogue, the result under m.Key and the inbox mark land
// together. fn must therefore be safe to run more than once: it may only assign
// its results (group commit may run a write again as well). A message expected to
// write (m.Writes) starts in the write transaction; if it writes nothing after all,
// that transaction is rolled back, costing no disk write.
//
// When a Service method fails inside the write, part of its writes may be in the
// transaction (there are no savepoints): the unit is rolled back and fn runs a last
// time with each Service call in its own transaction, as before units, then the
// dialogue, the result and any refusal audit are stored in one more.
func (s *Service) Message(ctx context.Context, m MessageMeta, fn func(ctx context.Context, u *MessageUnit) error) error {
	if m.Writes && !m.Detached {
		return s.writeUnit(ctx, m, fn, true)
	}
	var u *MessageUnit
	var fnErr error
	write := false
	err := s.Store.View(ctx, func(tx Tx) error {
		u = &MessageUnit{meta: m}
		if err := u.load(tx); err != nil {
			return err
		}
		if !m.Detached {
			write, fnErr = s.runRead(ctx, tx, u, fn)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if m.Detached {
		return s.direct(ctx, u, fn, false)
	}
	if write {
		return s.writeUnit(ctx, m, fn, false)
	}
	if fnErr != nil || !u.dirty() {
		return fnErr
	}
	// Only the dialogue changed: store it with the result without running the
	// handling again. The read transaction is closed by now (bbolt must not have a
	// reader waiting on the writer in one goroutine).
	return s.Store.Update(ctx, func(tx Tx) error {
		if m.Key != "" {
			if _, done, err := tx.Idempotency(m.Key); err != nil || done {
				return err // handled meanwhile by a redelivery: its result stands
			}
		}
		return u.save(tx)
	})
}

// writeUnit runs the message in one write transaction (see Message). Unless
// mayBeEmpty, the message is known to write (its read-only run tried to).
func (s *Service) writeUnit(ctx context.Context, m MessageMeta, fn func(context.Context, *MessageUnit) error, mayBeEmpty bool) error {
	var u *MessageUnit
	var fnErr error
	failed := false
	var panicked any
	err := s.Store.Update(ctx, func(tx Tx) error {
		u, fnErr, failed, panicked = &MessageUnit{meta: m}, nil, false, nil
		if err := u.load(tx); err != nil {
			return err
		}
		st := &unitState{svc: s, mode: modeWrite, tx: tx, msg: u}
		func() {
			// A panic must not escape into the store's goroutine (a group commit
			// runs many callers' functions in one): it is raised again below.
			defer func() { panicked = recover() }()
			fnErr = fn(context.WithValue(ctx, unitKey{}, st), u)
		}()
		switch {
		case panicked != nil:
			return fmt.Errorf("crm: message handler panicked")
		case st.failed:
			failed = true
			return errRollback
		case fnErr != nil:
			return fnErr
		case u.replayed && st.wrote:
			return nil // a redelivery that still wrote (an admin's first contact): keep it
		case u.replayed:
			return ErrNothingWritten // a redelivery: its result was kept
		case mayBeEmpty && !st.wrote && !u.dirty():
			return ErrNothingWritten
		}
		return u.save(tx)
	})
	if panicked != nil {
		panic(panicked)
	}
	if failed {
		// A Service write failed (a refusal, a rule, a conflict): run the message as
		// it ran before units, each Service call in its own transaction.
		return s.direct(ctx, u, fn, true)
	}
	if fnErr != nil {
		return fnErr
	}
	if errors.Is(err, ErrNothingWritten) {
		return nil
	}
	return err
}

// direct runs fn with each Service call in its own transaction, then stores what it
// left in one more; always (as before units) or only when something was written.
func (s *Service) direct(ctx context.Context, loaded *MessageUnit, fn func(context.Context, *MessageUnit) error, always bool) error {
	m := loaded.meta
	d := &MessageUnit{meta: m, user: loaded.user, authErr: loaded.authErr, dialog: loaded.dialog, stored: loaded.stored, replayed: loaded.replayed}
	st := &unitState{svc: s, mode: modeDirect, msg: d}
	if err := fn(context.WithValue(ctx, unitKey{}, st), d); err != nil {
		return err
	}
	if d.replayed || !d.dirty() && !st.wrote && !(always && d.remember && m.Key != "") {
		return nil
	}
	return s.Store.Update(ctx, d.save)
}

// runRead runs fn in the read-only transaction tx, reporting whether fn wanted to
// write (and was stopped there).
func (s *Service) runRead(ctx context.Context, tx Tx, u *MessageUnit, fn func(context.Context, *MessageUnit) error) (write bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(needWrite); !ok {
				panic(r)
			}
			write = true
		}
	}()
	st := &unitState{svc: s, mode: modeRead, tx: tx, msg: u}
	return false, fn(context.WithValue(ctx, unitKey{}, st), u)
}
