-- Seminar campaigns (R5) and their members: a handful of campaigns, each listed
-- whole; a campaign's members are read together, in interest id order.
CREATE SEQUENCE seq_campaigns;
CREATE TABLE campaigns (
	id   int8 PRIMARY KEY,
	data jsonb NOT NULL
);
CREATE TABLE campaign_members (
	campaign_id int8 NOT NULL,
	interest_id int8 NOT NULL,
	data        jsonb NOT NULL,
	PRIMARY KEY (campaign_id, interest_id)
);
