package crm

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
)

// TokenScope is what an API token may do: read, or read and write.
type TokenScope string

// Token scopes.
const (
	ScopeRead  TokenScope = "read"
	ScopeWrite TokenScope = "write"
)

// Valid reports whether s is a known scope.
func (s TokenScope) Valid() bool { return s == ScopeRead || s == ScopeWrite }

// Allows reports whether a token of scope s may do what needs scope need: a write
// token also reads.
func (s TokenScope) Allows(need TokenScope) bool { return s == ScopeWrite || s == need }

// APIToken is a bearer token another system uses on the HTTP API. Only the SHA-256 of
// the secret is kept: the secret is shown once, when the token is made, and a copy of
// the database does not give access.
type APIToken struct {
	ID        uint64     `json:"id"`
	Name      string     `json:"name"`
	Scope     TokenScope `json:"scope"`
	Hash      string     `json:"hash"` // hex SHA-256 of the secret
	CreatedBy uint64     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt time.Time  `json:"revoked_at,omitempty"`
}

// Revoked reports whether the token was revoked.
func (t *APIToken) Revoked() bool { return !t.RevokedAt.IsZero() }

// tokenPrefix marks crmbot's secrets, so a leaked one is recognisable in a scan.
const tokenPrefix = "crm_"

// HashToken is the stored form of a token's secret.
func HashToken(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// newSecret returns prefix and 32 random bytes, URL-safe.
func newSecret(prefix string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// NewToken is a token just made, with its secret: the only time the secret exists
// outside the caller's hands.
type NewToken struct {
	Token  *APIToken
	Secret string
}

// validTokenName: short, typed in a chat command, shown in the audit log.
func validTokenName(name string) bool {
	if name == "" || len(name) > 40 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// CreateAPIToken makes a token named name with scope (admins only). The name must be
// unique among tokens not revoked.
func (s *Service) CreateAPIToken(ctx context.Context, op Op, name string, scope TokenScope) (*NewToken, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if op.Actor == nil || op.Actor.Role != RoleAdmin {
		return nil, s.refused(ctx, op, "api_token", 0, "create", Errorf(EFORBIDDEN, "err.admin_only"))
	}
	if !validTokenName(name) {
		return nil, Errorf(EINVALID, "err.api_token_name", name)
	}
	if !scope.Valid() {
		return nil, Errorf(EINVALID, "err.api_token_scope", string(scope))
	}
	secret := newSecret(tokenPrefix)
	t := &APIToken{Name: name, Scope: scope, Hash: HashToken(secret), CreatedBy: op.Actor.ID, CreatedAt: s.now()}
	err := s.Store.Update(ctx, func(tx Tx) error {
		all, err := tx.APITokens()
		if err != nil {
			return err
		}
		for _, o := range all {
			if o.Name == name && !o.Revoked() {
				return Errorf(ECONFLICT, "err.api_token_exists", name)
			}
		}
		if err := tx.PutAPIToken(t); err != nil {
			return err
		}
		return tx.AddAudit(&AuditEntry{At: t.CreatedAt, ActorID: op.Actor.ID, Entity: "api_token", EntityID: t.ID, Action: "create", Detail: name + " " + string(scope)})
	})
	if err != nil {
		return nil, err
	}
	return &NewToken{Token: t, Secret: secret}, nil
}

// APITokens lists every token, revoked ones too, oldest first (admins only).
func (s *Service) APITokens(ctx context.Context, actor *User) ([]*APIToken, error) {
	if actor == nil || actor.Role != RoleAdmin {
		return nil, Errorf(EFORBIDDEN, "err.admin_only")
	}
	var out []*APIToken
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.APITokens()
		return err
	})
	return out, err
}

// RevokeAPIToken revokes the live token named name (admins only). It stops working at
// once: every request reads the token anew.
func (s *Service) RevokeAPIToken(ctx context.Context, op Op, name string) (*APIToken, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if op.Actor == nil || op.Actor.Role != RoleAdmin {
		return nil, s.refused(ctx, op, "api_token", 0, "revoke", Errorf(EFORBIDDEN, "err.admin_only"))
	}
	var out *APIToken
	err := s.Store.Update(ctx, func(tx Tx) error {
		all, err := tx.APITokens()
		if err != nil {
			return err
		}
		for _, t := range all {
			if t.Name == name && !t.Revoked() {
				out = t
			}
		}
		if out == nil {
			return Errorf(ENOTFOUND, "err.api_token_not_found", name)
		}
		out.RevokedAt = s.now()
		if err := tx.PutAPIToken(out); err != nil {
			return err
		}
		return tx.AddAudit(&AuditEntry{At: out.RevokedAt, ActorID: op.Actor.ID, Entity: "api_token", EntityID: out.ID, Action: "revoke", Detail: name})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// TokenActor is who a request with a valid token acts as: the token, and the admin who
// made it (whose rights the API uses; a token stops working when they leave or stop
// being a head or admin).
type TokenActor struct {
	Token *APIToken
	Actor *User
}

// AuthenticateToken resolves a bearer secret. An unknown, revoked or orphaned token
// gets EUNAUTHORIZED; nothing is stored. The hashes are compared in constant time.
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (*TokenActor, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return nil, Errorf(EUNAUTHORIZED, "err.api_token_unknown")
	}
	want := sha256.Sum256([]byte(secret))
	var out *TokenActor
	err := s.Store.View(ctx, func(tx Tx) error {
		all, err := tx.APITokens()
		if err != nil {
			return err
		}
		var found *APIToken
		for _, t := range all {
			h, err := hex.DecodeString(t.Hash)
			if err != nil {
				continue
			}
			if subtle.ConstantTimeCompare(h, want[:]) == 1 {
				found = t
			}
		}
		if found == nil || found.Revoked() {
			return nil
		}
		u, err := tx.User(found.CreatedBy)
		if err != nil {
			if ErrorCode(err) == ENOTFOUND {
				return nil
			}
			return err
		}
		if u.Disabled || !u.IsLead() {
			return nil
		}
		out = &TokenActor{Token: found, Actor: u}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, Errorf(EUNAUTHORIZED, "err.api_token_unknown")
	}
	return out, nil
}
