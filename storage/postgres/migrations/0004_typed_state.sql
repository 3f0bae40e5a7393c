-- 0004: crm.Tx lost its Blob methods: every kind of state the layers above keep has a
-- table of its own now, and the blobs table goes. A database that kept blobs (a branch
-- build of 0002) loses them here; crmbot migrate copies the typed state instead.
DROP TABLE blobs;

-- The conversation engine's dialogues (opaque to crm) by identity.
CREATE TABLE dialogs (
	identity text COLLATE "C" PRIMARY KEY,
	state    bytea NOT NULL
);

-- Singletons by name: 'team' (crm.TeamSettings), 'scheduler' (crm.SchedulerState),
-- 'inquiry_routing' (crm.InquiryRouting).
CREATE TABLE settings (
	name text COLLATE "C" PRIMARY KEY,
	data jsonb NOT NULL
);

-- The scheduler's notes for a person's next digest.
CREATE TABLE skip_notes (
	user_id int8 PRIMARY KEY,
	data    jsonb NOT NULL
);

-- The HTTP API's tokens and webhooks: a handful of each, listed whole.
CREATE SEQUENCE seq_api_tokens;
CREATE TABLE api_tokens (
	id   int8 PRIMARY KEY,
	data jsonb NOT NULL
);
CREATE SEQUENCE seq_webhooks;
CREATE TABLE webhooks (
	id   int8 PRIMARY KEY,
	data jsonb NOT NULL
);

-- The reports' facets (crm.Facet): an interest's segment is a column, its company's
-- size is read through the join, and the open interests' due and idle indexes gain
-- the segment so that a filtered count reads the index it needs.
ALTER TABLE interests ADD COLUMN segment text COLLATE "C" NOT NULL DEFAULT '';
UPDATE interests SET segment = coalesce(data->>'segment', '');
CREATE INDEX interests_segment_due ON interests (segment, due, id) INCLUDE (owner_id, company_id) WHERE due IS NOT NULL;
CREATE INDEX interests_segment_idle ON interests (segment, last_act, id) INCLUDE (owner_id, company_id) WHERE last_act IS NOT NULL;
CREATE INDEX companies_size ON companies ((coalesce(data->>'size', '')), id);

-- The change feed of the conversion report: creations and stage changes of interests
-- in time order.
CREATE INDEX audit_interest_at ON audit (at, id) INCLUDE (entity_id) WHERE entity = 'interest';
