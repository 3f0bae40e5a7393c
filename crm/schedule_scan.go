package crm

import (
	"context"
	"time"
)

// SchedulerStore keeps the scheduler's own state, typed: the marks of its last scans
// and the pass in progress, and the notes it keeps for a person's next digest. It is
// part of Tx.
type SchedulerStore interface {
	// SchedulerState returns the stored state; a zero state (not nil) when none.
	SchedulerState() (*SchedulerState, error)
	PutSchedulerState(st *SchedulerState) error
	// SkipNote returns the note kept for userID's next digest, nil when none.
	SkipNote(userID uint64) (*SkipNote, error)
	// PutSkipNote stores the note; a nil note deletes it.
	PutSkipNote(userID uint64, n *SkipNote) error
}

// SchedulerState is what the scheduler remembers between scans. Every decision is
// also recorded in the outbox under its key, so losing this state can repeat reading
// but never a message.
type SchedulerState struct {
	// Alive is the time of the last scan (the heartbeat): when a digest was missed, it
	// says whether the bot was offline at the time.
	Alive time.Time `json:"alive,omitzero"`
	// Nudge and Esc are when the last pass that read nudges (escalations) ended: the
	// next pass starts a little before them.
	Nudge time.Time `json:"nudge,omitzero"`
	Esc   time.Time `json:"esc,omitzero"`
	// HeadDigest is when the department's last digest was decided: the next one
	// reports what happened since.
	HeadDigest time.Time `json:"head_digest,omitzero"`
	// Pass is the scan of the due index in progress, nil between passes.
	Pass *ScanPass `json:"pass,omitempty"`
}

// ScanPass is a scan of the due index in progress. It is saved with every chunk, so
// the decisions and the counts of what was folded survive a crash: the next scan
// resumes the pass, and the summaries go out exactly once, in the transaction that
// ends the pass.
type ScanPass struct {
	ID        int64  `json:"id"` // the start, in unix nanoseconds: names the summaries
	Nudge     DuePos `json:"nudge"`
	NudgeDone bool   `json:"nudge_done,omitempty"`
	Esc       DuePos `json:"esc"`
	EscDone   bool   `json:"esc_done,omitempty"`
	EscRan    bool   `json:"esc_ran,omitempty"` // escalations were due in this pass
	// Shown counts the messages a person got on their own in this pass.
	Shown map[uint64]int `json:"shown,omitempty"`
	// Folded counts the nudges folded per owner.
	Folded map[uint64]int `json:"folded,omitempty"`
	// EscFolded counts escalations folded per head, then per owner.
	EscFolded map[uint64]map[uint64]int `json:"esc_folded,omitempty"`
	// NoteFolded counts, per owner, the "your head was told" notes folded.
	NoteFolded map[uint64]int `json:"note_folded,omitempty"`
	// Channel counts escalations per owner for the department channel; ChannelShown
	// the named ones posted there on their own (named mode only).
	Channel      map[uint64]int `json:"channel,omitempty"`
	ChannelShown int            `json:"channel_shown,omitempty"`
}

// Init makes the pass's maps, so that counting needs no nil checks.
func (p *ScanPass) Init() {
	if p.Shown == nil {
		p.Shown = map[uint64]int{}
	}
	if p.Folded == nil {
		p.Folded = map[uint64]int{}
	}
	if p.EscFolded == nil {
		p.EscFolded = map[uint64]map[uint64]int{}
	}
	if p.NoteFolded == nil {
		p.NoteFolded = map[uint64]int{}
	}
	if p.Channel == nil {
		p.Channel = map[uint64]int{}
	}
}

// Fold reports whether person id has had their handful (max) of individual messages
// in this pass, and counts one more otherwise. A backlog after an outage or an import
// must not become thousands of messages at one a second per chat.
func (p *ScanPass) Fold(id uint64, max int) bool {
	if p.Shown[id] >= max {
		return true
	}
	p.Shown[id]++
	return false
}

// SkipNote is kept for a person after their digest was skipped because the bot was
// offline, and told in their next digest.
type SkipNote struct {
	Date time.Time `json:"date"`
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// BeginScan beats the scheduler's heart (it returns the previous beat) and starts a
// pass with newPass, given the marks of the last one, unless one is in progress.
func (s *Service) BeginScan(ctx context.Context, now time.Time, newPass func(SchedulerState) *ScanPass) (alive time.Time, err error) {
	err = s.Store.Update(ctx, func(tx Tx) error {
		st, err := tx.SchedulerState()
		if err != nil {
			return err
		}
		alive = st.Alive
		st.Alive = now
		if st.Pass == nil {
			st.Pass = newPass(*st)
		}
		return tx.PutSchedulerState(st)
	})
	return alive, err
}

// ScanChunk is one chunk of a pass: what the scheduler may read and decide in the one
// short write transaction the Service opens for it. Decisions are outbox messages,
// keyed, so a rerun never decides twice.
type ScanChunk struct {
	tx    Tx
	state *SchedulerState
	end   bool
	// Pass is the pass in progress; changes to it are saved with the chunk.
	Pass *ScanPass
	// Users is the team by id.
	Users map[uint64]*User
}

// DueAfter returns the next due interests of the pass (see Tx.DueAfter).
func (c *ScanChunk) DueAfter(pos DuePos, to time.Time, limit int) ([]*Interest, error) {
	return c.tx.DueAfter(pos, to, limit)
}

// Decided reports whether a message under key was decided (in any state).
func (c *ScanChunk) Decided(key string) (bool, error) { return decided(c.tx, key) }

// Enqueue records a decision (see Outbox.Enqueue).
func (c *ScanChunk) Enqueue(m *OutboxMessage) (bool, error) { return c.tx.Enqueue(m) }

// Facts reads what a message about in says: its company, contact and last interaction.
func (c *ScanChunk) Facts(in *Interest) (*InterestFacts, error) { return interestFacts(c.tx, in) }

// CompanyName is the name of the company id, "" when gone.
func (c *ScanChunk) CompanyName(id uint64) (string, error) {
	co, err := c.tx.Company(id)
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return "", nil
		}
		return "", err
	}
	return co.Name, nil
}

// EndPass ends the pass when the chunk commits: the marks are set to now (the
// escalations' only if they ran in this pass) and the pass is deleted.
func (c *ScanChunk) EndPass(now time.Time) {
	c.end = true
	c.state.Nudge = now
	if c.Pass.EscRan {
		c.state.Esc = now
	}
	c.state.Pass = nil
}

// ScanChunk runs fn on the next chunk of the pass in progress, in one write
// transaction that also saves the pass (or its end). It reports done when no pass is
// in progress, or fn ended it.
func (s *Service) ScanChunk(ctx context.Context, fn func(c *ScanChunk) error) (done bool, err error) {
	err = s.Store.Update(ctx, func(tx Tx) error {
		done = false
		st, err := tx.SchedulerState()
		if err != nil {
			return err
		}
		if st.Pass == nil { // a concurrent scan ended the pass
			done = true
			return nil
		}
		st.Pass.Init()
		users, err := usersByID(tx)
		if err != nil {
			return err
		}
		c := &ScanChunk{tx: tx, state: st, Pass: st.Pass, Users: users}
		if err := fn(c); err != nil {
			return err
		}
		done = c.end
		return tx.PutSchedulerState(st)
	})
	return done, err
}

func usersByID(tx Tx) (map[uint64]*User, error) {
	users, err := tx.Users()
	if err != nil {
		return nil, err
	}
	byID := make(map[uint64]*User, len(users))
	for _, u := range users {
		byID[u.ID] = u
	}
	return byID, nil
}

func decided(tx Tx, key string) (bool, error) {
	if _, err := tx.OutboxMessage(key); err == nil {
		return true, nil
	} else if ErrorCode(err) != ENOTFOUND {
		return false, err
	}
	return false, nil
}

// InterestFacts is what a pushed message about an interest shows besides the
// interest: the names, the contact's phone, and the last thing a person logged.
type InterestFacts struct {
	Company string
	Contact *Contact // nil when gone
	Last    *Interaction
}

func interestFacts(tx Tx, in *Interest) (*InterestFacts, error) {
	f := &InterestFacts{}
	if c, err := tx.Company(in.CompanyID); err == nil {
		f.Company = c.Name
	} else if ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	if c, err := tx.Contact(in.ContactID); err == nil {
		f.Contact = c
	} else if ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	// The latest thing a person logged, not the CRM's own change records.
	tl, err := tx.Timeline(in.ID, 5)
	if err != nil {
		return nil, err
	}
	for i := len(tl) - 1; i >= 0; i-- {
		if tl[i].Kind != InteractionSystem {
			f.Last = tl[i]
			break
		}
	}
	return f, nil
}

// PruneOutbox deletes delivered and decided messages created before t, a chunk per
// write transaction (a month after a backlog there are tens of thousands), and
// returns how many.
func (s *Service) PruneOutbox(ctx context.Context, before time.Time, chunk int) (int, error) {
	total := 0
	for pruned := chunk; pruned == chunk; {
		if err := s.Store.Update(ctx, func(tx Tx) error {
			var err error
			pruned, err = tx.PruneOutbox(before, chunk)
			return err
		}); err != nil {
			return total, err
		}
		total += pruned
	}
	return total, nil
}
