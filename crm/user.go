package crm

import (
	"sync"
	"time"
)

// Role is what a team member may do.
type Role string

// Roles. A manager works their own interests; a head controls the department (R11,
// R12); an admin also manages the team.
const (
	RoleAdmin   Role = "admin"
	RoleHead    Role = "head"
	RoleManager Role = "manager"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleHead || r == RoleManager }

// Segment is the market a salesperson works. R13: one person works only one segment.
type Segment string

// Segments.
const (
	SegmentCorporate Segment = "corporate"
	SegmentRetail    Segment = "retail"
)

// Valid reports whether s is a known segment.
func (s Segment) Valid() bool { return s == SegmentCorporate || s == SegmentRetail }

// User is a team member. All of a person's platform identities resolve to one User.
type User struct {
	ID         uint64     `json:"id"`
	Name       string     `json:"name"`
	Role       Role       `json:"role"`
	Segment    Segment    `json:"segment"`
	TZ         string     `json:"tz"`             // IANA name, e.g. "Europe/Zagreb"
	Lang       string     `json:"lang,omitempty"` // message-catalog language; "" = default
	Identities []Identity `json:"identities"`
	// Unreachable lists identities a platform refused to deliver to (the user blocked
	// the bot); they are skipped until the person writes again.
	Unreachable []Identity `json:"unreachable,omitempty"`
	Disabled    bool       `json:"disabled,omitempty"`
	// Work is when the user works (nil: DefaultWorkSchedule); nudges wait for it.
	Work *WorkSchedule `json:"work,omitempty"`
	// DigestAt is the time of the morning digest, "08:30"; "" is the default and "off"
	// turns it off.
	DigestAt  string    `json:"digest_at,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Location returns the user's time zone, UTC when unset or unknown.
func (u *User) Location() *time.Location {
	if u == nil || u.TZ == "" {
		return time.UTC
	}
	return location(u.TZ)
}

// locations caches loaded zones: time.LoadLocation reads and parses the zone file on
// every call, which was an eighth of a /log's CPU. Zone names are few (one per
// office), so the cache stays small; an unknown name is cached as UTC.
var locations sync.Map // string → *time.Location

func location(name string) *time.Location {
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = time.UTC
	}
	locations.Store(name, loc)
	return loc
}

// IsLead reports whether the user is a head or an admin: the people who see the whole
// department and may change any interest.
func (u *User) IsLead() bool { return u.Role == RoleHead || u.Role == RoleAdmin }

// HasIdentity reports whether id belongs to the user.
func (u *User) HasIdentity(id Identity) bool {
	for _, x := range u.Identities {
		if x == id {
			return true
		}
	}
	return false
}

// Invite is a one-time code that links a new identity to an existing user, so a person
// added in the terminal can start using Telegram or Slack.
type Invite struct {
	Code      string    `json:"code"`
	UserID    uint64    `json:"user_id"`
	CreatedBy uint64    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}
