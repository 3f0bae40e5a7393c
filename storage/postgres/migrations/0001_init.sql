-- 0001: the first schema. Every record is kept whole as JSON in "data" (the domain's
-- own encoding, so a field added in Go needs no migration); the columns beside it are
-- what the queries of crm.Tx select and order by, each with the index that query needs.
-- Times used for ordering are int8 nanoseconds since 1970 (the zero time is the smallest
-- int8), so ordering and equality are exact to the nanosecond, as in the bbolt indexes.
-- Text that is compared by prefix or ordered is COLLATE "C": byte order, as bbolt's keys.

-- Per-entity id sequences, kept in a table rather than as PostgreSQL sequences so that a
-- rolled-back transaction does not use up an id: interest numbers are shown to people.
CREATE TABLE sequences (
	name  text PRIMARY KEY,
	value int8 NOT NULL
);
INSERT INTO sequences (name, value) VALUES
	('users', 0), ('companies', 0), ('contacts', 0), ('interests', 0),
	('interactions', 0), ('audit', 0);

CREATE TABLE users (
	id   int8 PRIMARY KEY,
	data jsonb NOT NULL
);
-- Each identity resolves to exactly one user.
CREATE TABLE user_identities (
	identity text COLLATE "C" PRIMARY KEY,
	user_id  int8 NOT NULL
);
CREATE INDEX user_identities_user ON user_identities (user_id);

CREATE TABLE invites (
	code text COLLATE "C" PRIMARY KEY,
	data jsonb NOT NULL
);

CREATE TABLE companies (
	id       int8 PRIMARY KEY,
	name_key text COLLATE "C" NOT NULL, -- the folded full name, for duplicates
	oib      text COLLATE "C",          -- NULL when unknown
	data     jsonb NOT NULL
);
CREATE INDEX companies_name ON companies (name_key, id);
CREATE INDEX companies_oib ON companies (oib, id) WHERE oib IS NOT NULL;
-- Folded name words, for search by prefix.
CREATE TABLE company_words (
	word       text COLLATE "C" NOT NULL,
	company_id int8 NOT NULL,
	PRIMARY KEY (word, company_id)
);
CREATE INDEX company_words_company ON company_words (company_id);

CREATE TABLE contacts (
	id         int8 PRIMARY KEY,
	company_id int8 NOT NULL,
	email      text COLLATE "C", -- normalised; NULL when none
	phone      text COLLATE "C", -- E.164; NULL when none
	mobile     text COLLATE "C",
	data       jsonb NOT NULL
);
CREATE INDEX contacts_company ON contacts (company_id, id);
CREATE INDEX contacts_email ON contacts (email, id) WHERE email IS NOT NULL;
CREATE INDEX contacts_phone ON contacts (phone, id) WHERE phone IS NOT NULL;
CREATE INDEX contacts_mobile ON contacts (mobile, id) WHERE mobile IS NOT NULL;
-- Search terms: kind 'n' name word, 'e' email, 'p' phone digits.
CREATE TABLE contact_terms (
	kind       "char" NOT NULL,
	term       text COLLATE "C" NOT NULL,
	contact_id int8 NOT NULL,
	PRIMARY KEY (kind, term, contact_id)
);
CREATE INDEX contact_terms_contact ON contact_terms (contact_id);

CREATE TABLE interests (
	id         int8 PRIMARY KEY,
	company_id int8 NOT NULL,
	contact_id int8 NOT NULL,
	owner_id   int8 NOT NULL,
	stage      int2 NOT NULL, -- position in crm.Stages, so stages sort in path order (R3)
	open       bool NOT NULL,
	due        int8,          -- next action's due time while open and set, else NULL
	last_act   int8,          -- last activity while open, else NULL
	data       jsonb NOT NULL
);
CREATE INDEX interests_company ON interests (company_id, id);
CREATE INDEX interests_contact ON interests (contact_id, id);
CREATE INDEX interests_open ON interests (owner_id, stage, id) WHERE open;
CREATE INDEX interests_due ON interests (due, id) INCLUDE (owner_id) WHERE due IS NOT NULL;
CREATE INDEX interests_owner_due ON interests (owner_id, due, id) WHERE due IS NOT NULL;
CREATE INDEX interests_idle ON interests (last_act, id) WHERE last_act IS NOT NULL;
CREATE INDEX interests_owner_idle ON interests (owner_id, last_act, id) WHERE last_act IS NOT NULL;

-- Pipeline counters (owner × stage: count and value), changed in the same transaction as
-- every interest write; a cell that falls to zero is deleted.
CREATE TABLE pipeline (
	owner_id int8 NOT NULL,
	stage    int2 NOT NULL,
	count    int8 NOT NULL,
	value    int8 NOT NULL,
	PRIMARY KEY (owner_id, stage)
);

CREATE TABLE interactions (
	id          int8 PRIMARY KEY,
	interest_id int8 NOT NULL,
	at          int8 NOT NULL,
	data        jsonb NOT NULL
);
CREATE INDEX interactions_timeline ON interactions (interest_id, at, id);

CREATE TABLE audit (
	id        int8 PRIMARY KEY,
	entity    text COLLATE "C" NOT NULL,
	entity_id int8 NOT NULL,
	at        int8 NOT NULL,
	data      jsonb NOT NULL
);
CREATE INDEX audit_entity ON audit (entity, entity_id, id);
CREATE INDEX audit_at ON audit (at);

CREATE TABLE idempotency (
	key    text COLLATE "C" PRIMARY KEY,
	result text NOT NULL,
	at     int8 NOT NULL
);
CREATE INDEX idempotency_at ON idempotency (at);

-- The outbox: one row per key. Senders read the pending rows of their platform in
-- NotBefore order through the partial index, which is also what a later
-- SELECT … FOR UPDATE SKIP LOCKED claim walks.
CREATE TABLE outbox (
	key        text COLLATE "C" PRIMARY KEY,
	platform   text COLLATE "C" NOT NULL,
	state      text NOT NULL,
	not_before int8 NOT NULL,
	created    int8 NOT NULL,
	data       jsonb NOT NULL
);
CREATE INDEX outbox_pending ON outbox (platform, not_before, key) WHERE state = 'pending';
CREATE INDEX outbox_created ON outbox (created, key);
