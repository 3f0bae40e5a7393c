-- 0005: the adapters' durable inbox (bot.Inbox). One row per (source, id) accepted,
-- which is the dedupe; seq is the arrival order and the handle Done takes. A row is
-- work while not done; done drops its body (a message's words are kept no longer than
-- needed) and keeps the id against redelivery until the retention passes. A transient
-- item is a done row from the start: its id only.
CREATE SEQUENCE seq_inbox;
CREATE TABLE inbox (
	seq         int8 PRIMARY KEY,
	source      text COLLATE "C" NOT NULL,
	id          text COLLATE "C" NOT NULL,
	body        bytea,
	accepted_at int8 NOT NULL,
	done        bool NOT NULL,
	UNIQUE (source, id)
);
-- Pending reads a source's work in arrival order; pruning the oldest ids first.
CREATE INDEX inbox_pending ON inbox (source, seq) WHERE NOT done;
CREATE INDEX inbox_accepted ON inbox (accepted_at);

CREATE TABLE inbox_cursor (
	source text COLLATE "C" PRIMARY KEY,
	cursor text NOT NULL
);
