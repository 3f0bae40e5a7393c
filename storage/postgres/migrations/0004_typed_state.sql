-- 0004: crm.Tx lost its Blob methods: every kind of state the layers above keep has a
-- table of its own now, and the blobs table goes, after the dialogues in progress and
-- the department channel are moved out of it (as bbolt's schema 6 moves them). The
-- scheduler's old marks are dropped: the outbox's keys dedupe every decision, so the
-- cost is one re-read of the look-back, never a second message.

-- The conversation engine's dialogues (opaque to crm) by identity.
CREATE TABLE dialogs (
	identity text COLLATE "C" PRIMARY KEY,
	state    bytea NOT NULL
);

INSERT INTO dialogs (identity, state) SELECT key, value FROM blobs WHERE ns = 'dialog';

-- Singletons by name: 'team' (crm.TeamSettings), 'scheduler' (crm.SchedulerState),
-- 'inquiry_routing' (crm.InquiryRouting).
CREATE TABLE settings (
	name text COLLATE "C" PRIMARY KEY,
	data jsonb NOT NULL
);

INSERT INTO settings (name, data)
SELECT 'team', jsonb_strip_nulls(jsonb_build_object(
		'channel', coalesce(
			(SELECT nullif(convert_from(value, 'UTF8')::jsonb->>'target', '') FROM blobs WHERE ns = 'settings' AND key = 'dept_channel'),
			(SELECT nullif(convert_from(value, 'UTF8'), '') FROM blobs WHERE ns = 'settings' AND key = 'head_channel')),
		'channel_set_by', (SELECT nullif((convert_from(value, 'UTF8')::jsonb->>'set_by')::int8, 0) FROM blobs WHERE ns = 'settings' AND key = 'dept_channel'),
		'escalations_named', (SELECT true FROM blobs WHERE ns = 'settings' AND key = 'escalations' AND convert_from(value, 'UTF8') = 'channel')))
WHERE EXISTS (SELECT 1 FROM blobs WHERE ns = 'settings' AND key IN ('dept_channel', 'head_channel', 'escalations'));

DROP TABLE blobs;

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

-- The reports' facets (crm.Facet): an interest's segment, its company's size (kept
-- current by PutCompany) and its value are columns, so a filtered report reads an
-- index alone, without the record or the company.
ALTER TABLE interests ADD COLUMN segment text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN size text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN value int8 NOT NULL DEFAULT 0;
UPDATE interests i SET segment = coalesce(i.data->>'segment', ''), value = coalesce((i.data->>'value')::int8, 0),
	size = coalesce((SELECT c.data->>'size' FROM companies c WHERE c.id = i.company_id), '');
CREATE INDEX interests_facet_cells ON interests (segment, size, owner_id, stage) INCLUDE (value);
CREATE INDEX interests_size_cells ON interests (size, owner_id, stage) INCLUDE (value);
CREATE INDEX interests_facet_due ON interests (segment, size, due) INCLUDE (owner_id) WHERE due IS NOT NULL;
CREATE INDEX interests_size_due ON interests (size, due) INCLUDE (owner_id) WHERE due IS NOT NULL;
CREATE INDEX interests_facet_idle ON interests (segment, size, owner_id, last_act, id) WHERE last_act IS NOT NULL;
CREATE INDEX interests_size_idle ON interests (size, owner_id, last_act, id) WHERE last_act IS NOT NULL;

-- The change feed of the conversion report: creations and stage changes of interests
-- in time order.
CREATE INDEX audit_interest_at ON audit (at, id) INCLUDE (entity_id) WHERE entity = 'interest';
