package crm

import (
	"context"
	"strconv"
	"time"
)

// Config holds the settings the rules depend on.
type Config struct {
	// DefaultRegion is the ISO 3166 region used for phone numbers written without a
	// country code ("HR", "RU", "US").
	DefaultRegion string
	// Currency is the ISO 4217 code assumed for estimated values ("EUR").
	Currency string
	// Cadence is the default follow-up table (R4).
	Cadence Cadence
	// ManagersSeeOwnOnly narrows what a manager reads to their own interests; by
	// default the whole team reads the shared database (R10).
	ManagersSeeOwnOnly bool
	// InviteTTL is how long an invite code stays valid.
	InviteTTL time.Duration
	// DefaultTZ is the IANA zone of a user created without one ("Europe/Zagreb"): the
	// team's zone, so that nobody's follow-ups are silently read in UTC.
	DefaultTZ string
	// FreshFor is how long confirmed client data counts as current before the
	// digest asks "still current?" (R15); zero means DefaultFreshFor.
	FreshFor time.Duration
}

// DefaultConfig returns the configuration used when nothing is set.
func DefaultConfig() Config {
	return Config{DefaultRegion: "HR", Currency: "EUR", Cadence: DefaultCadence, InviteTTL: 7 * 24 * time.Hour, DefaultTZ: "UTC"}
}

// Service applies the rules of DOMAIN.md to the data in a Store. Every method that
// changes data takes an Op: who acts, and an idempotency key so that a redelivered
// message does not repeat the change.
type Service struct {
	Store  Store
	Clock  Clock
	Config Config
}

// NewService returns a Service with the given store, clock and configuration; zero
// fields of cfg take their defaults.
func NewService(st Store, clock Clock, cfg Config) *Service {
	def := DefaultConfig()
	if cfg.DefaultRegion == "" {
		cfg.DefaultRegion = def.DefaultRegion
	}
	if cfg.Currency == "" {
		cfg.Currency = def.Currency
	}
	if cfg.Cadence == (Cadence{}) {
		cfg.Cadence = def.Cadence
	}
	if cfg.InviteTTL == 0 {
		cfg.InviteTTL = def.InviteTTL
	}
	if _, err := time.LoadLocation(cfg.DefaultTZ); cfg.DefaultTZ == "" || err != nil {
		cfg.DefaultTZ = def.DefaultTZ
	}
	if clock == nil {
		clock = time.Now
	}
	// Audited changes raise webhook events in their own transaction (webhook.go); a
	// message's unit of work (unit.go) joins calls made with its context.
	if u, ok := st.(unitStore); ok {
		st = u.Store
	}
	if st != nil {
		st = unitStore{withEvents(st)}
	}
	return &Service{Store: st, Clock: clock, Config: cfg}
}

// Op says who performs a change and under which idempotency key ("" for none).
type Op struct {
	Actor *User
	Key   string
}

func (s *Service) now() time.Time { return s.Clock().UTC().Truncate(time.Second) }

// replay returns the id recorded under op.Key, if this operation already ran.
func replay(tx Tx, op Op) (uint64, bool, error) {
	if op.Key == "" {
		return 0, false, nil
	}
	r, ok, err := tx.Idempotency(op.Key)
	if err != nil || !ok {
		return 0, false, err
	}
	id, _ := strconv.ParseUint(r, 10, 64)
	return id, true, nil
}

func formatID(id uint64) string { return strconv.FormatUint(id, 10) }

// refused records a refused attempt in the audit log (in its own transaction, since
// the attempt's transaction was rolled back; in a message's unit of work, with the
// message's other writes) and returns err.
func (s *Service) refused(ctx context.Context, op Op, entity string, id uint64, action string, err error) error {
	if ErrorCode(err) != EFORBIDDEN || op.Actor == nil {
		return err
	}
	e := &AuditEntry{At: s.now(), ActorID: op.Actor.ID, Entity: entity, EntityID: id, Action: action, Refused: true, Detail: AsError(err).Key}
	if st := s.unitOf(ctx); st != nil && st.mode == modeDirect {
		st.msg.audits = append(st.msg.audits, e)
		return err
	}
	_ = s.update(ctx, func(tx Tx) error { return tx.AddAudit(e) })
	return err
}

// Authenticate resolves an identity to a team member. Strangers get EUNAUTHORIZED and
// nothing is stored.
func (s *Service) Authenticate(ctx context.Context, id Identity) (*User, error) {
	var u *User
	err := s.view(ctx, func(tx Tx) error {
		var err error
		u, err = tx.UserByIdentity(id)
		return err
	})
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(EUNAUTHORIZED, "err.unknown_identity", string(id))
	}
	if err == nil && u.Disabled {
		return nil, Errorf(EUNAUTHORIZED, "err.unknown_identity", string(id))
	}
	return u, err
}

// EnsureAdmin returns the user behind id, creating an admin with that identity if
// there is none. It is how configured admins (CRMBOT_ADMINS) and the local terminal user
// get in on the first start.
func (s *Service) EnsureAdmin(ctx context.Context, id Identity, name string) (*User, error) {
	return s.EnsureAdminLang(ctx, id, name, "")
}

// EnsureAdminLang is EnsureAdmin that gives a newly created admin the language lang
// (the platform's hint, e.g. a Telegram language_code mapped to a catalog); "" leaves
// the default. An existing user keeps the language they have.
func (s *Service) EnsureAdminLang(ctx context.Context, id Identity, name, lang string) (*User, error) {
	var u *User
	err := s.update(ctx, func(tx Tx) error {
		var err error
		u, err = tx.UserByIdentity(id)
		if err == nil {
			if u.Role != RoleAdmin || u.Disabled {
				u.Role, u.Disabled = RoleAdmin, false
				return tx.PutUser(u)
			}
			return nil
		}
		if ErrorCode(err) != ENOTFOUND {
			return err
		}
		if name == "" {
			name = string(id)
		}
		u = &User{Name: name, Role: RoleAdmin, Segment: SegmentCorporate, TZ: s.Config.DefaultTZ, Lang: lang, Identities: []Identity{id}, CreatedAt: s.now()}
		if err := tx.PutUser(u); err != nil {
			return err
		}
		return tx.AddAudit(&AuditEntry{At: s.now(), ActorID: u.ID, Entity: "user", EntityID: u.ID, Action: "bootstrap_admin", Detail: string(id)})
	})
	return u, err
}
