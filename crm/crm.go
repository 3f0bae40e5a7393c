// Package crm is the domain of crmbot: the words of DOMAIN.md (Interest, Company,
// Contact, Interaction, User, Stage…), the rules R1–R17 that govern them, and the
// Service that applies those rules on top of a Store.
//
// The package does no I/O of its own: time comes from a Clock, persistence from the
// Store interface that the storage package implements on bbolt. Every rule is therefore
// a plain function that can be table-tested in microseconds.
package crm

import "time"

// Clock returns the current time. Tests inject a fixed or stepping clock instead of
// sleeping.
type Clock func() time.Time

// Identity names a person on one platform: "console:alice", "telegram:123456",
// "slack:T01/U02". Several identities resolve to the same User.
type Identity string

// Platform returns the part of the identity before the first colon.
func (id Identity) Platform() string {
	for i := 0; i < len(id); i++ {
		if id[i] == ':' {
			return string(id[:i])
		}
	}
	return ""
}
